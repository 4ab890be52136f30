/** Answer grading: one extractor, one equivalence test, one majority vote (see docs/grading.md). */
export { extractAnswer, extractGold, extractStatedAnswer, MAX_SCAN_CHARS, MAX_WHOLE_CHARS } from "./extractAnswer";
export { cleanAnswer } from "./cleanAnswer";
export { answersEqual, compareAnswers, normalizeAnswer, type AnswerComparison } from "./equivalence";
export { GradingUnknown, MAX_ANSWER_CHARS, MAX_ITEMS, MAX_NESTING, WORK_BUDGET } from "./bounds";
export { majorityAnswer, groupAnswers, type MajorityAnswer } from "./majority";
export { gradePair, type GradedPair } from "./gradePair";
