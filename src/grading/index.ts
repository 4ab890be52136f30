/** Answer grading: one extractor, one equivalence test, one majority vote (see docs/grading.md). */
export { extractAnswer, extractStatedAnswer, MAX_WHOLE_CHARS } from "./extractAnswer";
export { cleanAnswer } from "./cleanAnswer";
export { answersEqual, normalizeAnswer } from "./equivalence";
export { majorityAnswer, groupAnswers, type MajorityAnswer } from "./majority";
export { gradePair, type GradedPair } from "./gradePair";
