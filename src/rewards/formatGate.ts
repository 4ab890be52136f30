/**
 * The format gate that stops reward hacking before a PRM ever sees a rollout (SPARK stage III).
 * Each rule is a setting and has one machine-readable reason code:
 * - `boxed-count`: exactly one `\boxed{…}` in the response;
 * - `answer-tag-count`: exactly one `<answer>…</answer>`;
 * - `text-after-answer`: nothing but white space after the first `</answer>`;
 * - `step-count`: the whole solution — the reasoning and any steps written inside `<answer>` — has
 *   between minSteps and maxSteps steps;
 * - `second-solution`: no appended second solution — a second "Step 1" run (numbering that starts
 *   over), a second problem statement ("Problem:" / "Question:" after the solution started), or a
 *   solution that restarts (new step markers) after it already stated a final answer. This is the
 *   hack SPARK observed: a fully solved *different* problem pasted after the real one.
 * The rollout is cut right after the first `</answer>`: the PRM sees only that text. With
 * `sparkCode` (preset `spark-code`, src/rewards/gatePresets.ts) the gate does exactly what SPARK's
 * published reward function does instead: cut at the *last* `</answer>` and strip, then the three
 * checks on that cut with SPARK's regular expressions (so trailing text is never seen). Steps come
 * from the shared segmenter (src/formats/text.ts). No `vscode` import here.
 */
import { matchAnswerLabel } from "../core/finalAnswer";
import { segmentText } from "../formats/text";
import { matchProblemLabel, matchStepMarker } from "../formats/text/markers";

export type GateCode = "boxed-count" | "answer-tag-count" | "text-after-answer" | "step-count" | "second-solution";
export const GATE_CODES: readonly GateCode[] = ["boxed-count", "answer-tag-count", "text-after-answer", "step-count", "second-solution"];

export interface GateRules {
  /** Exactly one `\boxed{}` (default true). */
  boxedCount: boolean;
  /** Exactly one `<answer>…</answer>` (default true). */
  answerTagCount: boolean;
  /** Nothing but white space after `</answer>` (default true). */
  textAfterAnswer: boolean;
  /** Step count within [minSteps, maxSteps] (default true, [3, 20]). */
  stepCount: boolean;
  minSteps: number;
  maxSteps: number;
  /** Refuse an appended second solution (preset strict). */
  secondSolution: boolean;
  /** SPARK's published code: cut at the last `</answer>`, its regular expressions (preset spark-code). */
  sparkCode?: boolean;
}

/** The default preset, `spark`: the paper's three rules, all effective (src/rewards/gatePresets.ts). */
export const DEFAULT_GATE_RULES: Readonly<GateRules> = {
  boxedCount: true,
  answerTagCount: true,
  textAfterAnswer: true,
  stepCount: false,
  minSteps: 3,
  maxSteps: 20,
  secondSolution: false,
  sparkCode: false,
};

/** Every rule off: the gate passes everything (still cuts at `</answer>` and segments). */
export const NO_GATE_RULES: Readonly<GateRules> = {
  boxedCount: false,
  answerTagCount: false,
  textAfterAnswer: false,
  stepCount: false,
  minSteps: 0,
  maxSteps: Number.MAX_SAFE_INTEGER,
  secondSolution: false,
  sparkCode: false,
};

export interface GateResult {
  passed: boolean;
  /** Failed rules, in GATE_CODES order; empty when passed. */
  reasons: GateCode[];
  /** One human-readable line per reason (same order). */
  details: string[];
  /** The response cut right after the first `</answer>` (spark-code: the last, stripped); the whole response when there is none. */
  cut: string;
  /** The steps the PRM scores: the reasoning's steps, then the answer block joined to the last one (or, when it holds several steps, those). */
  steps: string[];
  /** The answer inside the first `<answer>…</answer>`, trimmed; null without one. */
  answer: string | null;
}

const BOXED = /\\(?:boxed|fbox)\s*\{/g;
const ANSWER_BLOCK = /<answer>([\s\S]*?)<\/answer>/gi;
const ANSWER_OPEN = /<answer>/i;
const ANSWER_CLOSE = /<\/answer>/i;
/** A stated final answer ("the final answer is …"); a bare \boxed{} is not one (boxed-count covers those). */
const FINAL_ANSWER_PHRASE = /\b(?:the\s+)?final\s+answer\s+is\b/i;

/**
 * Python's white space (`str.isspace`, what `\\s` and `strip()` mean in SPARK's Python): JavaScript's
 * `\\s` differs (it has U+FEFF, lacks U+001C–U+001F and U+0085).
 */
export const PY_WS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** SPARK's `format_validity` patterns (Python `.` = any character but "\\n"; `<answer>.*?</answer>` with DOTALL). */
const SPARK_BOXED = [/\\\\boxed\{[^\n]*?\}/g, /\\boxed\{[^\n]*?\}/g];
const SPARK_ANSWER_BLOCK = /<answer>[\s\S]*?<\/answer>/g;
const SPARK_TEXT_AFTER = new RegExp(`</answer>[${PY_WS}]*[^${PY_WS}]`);
const PY_WS_CHAR = new RegExp(`[${PY_WS}]`);

/** Python's `str.strip()` (linear: no backtracking regular expression). */
export function pyStrip(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && PY_WS_CHAR.test(text[a]!)) a++;
  while (b > a && PY_WS_CHAR.test(text[b - 1]!)) b--;
  return text.slice(a, b);
}

/** SPARK's `extract_valid_answer`: everything up to the last `</answer>`, stripped; else the whole text. */
export function sparkCodeCut(text: string): string {
  const end = text.lastIndexOf("</answer>");
  return end < 0 ? text : pyStrip(text.slice(0, end + "</answer>".length));
}

function count(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text)) n++;
  return n;
}

/** Where the second solution starts, with why; null when there is none. */
export function findSecondSolution(reasoning: string): { line: number; why: string } | null {
  const lines = reasoning.split("\n");
  let lastNumber = 0;
  let sawStep = false;
  let sawContent = false;
  let answeredAt = -1;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const t = raw.trim();
    if (/^(```|~~~)/.test(t)) inFence = !inFence;
    if (inFence || !t) continue;
    const top = raw.length - raw.trimStart().length <= 3;
    const marker = top ? matchStepMarker(t) : null;
    if (marker) {
      if (sawStep && marker.number <= 1 && lastNumber >= 1)
        return { line: i + 1, why: `step numbering starts over at line ${i + 1} ("Step ${marker.number}" after "Step ${lastNumber}")` };
      if (answeredAt >= 0) return { line: i + 1, why: `new steps at line ${i + 1} after the final answer was stated at line ${answeredAt + 1}` };
      sawStep = true;
      lastNumber = marker.number;
    } else if (top && sawContent && matchProblemLabel(t)) {
      return { line: i + 1, why: `a second problem statement at line ${i + 1}` };
    }
    if (answeredAt < 0 && (FINAL_ANSWER_PHRASE.test(t) || (top && matchAnswerLabel(t)))) answeredAt = i;
    sawContent = true;
  }
  return null;
}

/** Applies the gate's rules to one response (see the top of this file). */
export function applyFormatGate(response: string, rules: GateRules = DEFAULT_GATE_RULES): GateResult {
  // SPARK's code reads the rollout as it is; StepLens's rules read line ends normalised.
  const text = rules.sparkCode ? response : response.replace(/\r\n?/g, "\n");
  const close = ANSWER_CLOSE.exec(text);
  const cut = rules.sparkCode ? sparkCodeCut(text) : close ? text.slice(0, close.index + close[0].length) : text;
  const after = rules.sparkCode ? "" : close ? text.slice(close.index + close[0].length) : "";
  const open = ANSWER_OPEN.exec(cut);
  const reasoning = open ? cut.slice(0, open.index) : cut;
  const answerBlock = open ? cut.slice(open.index).trim() : "";
  const answerMatch = /<answer>([\s\S]*?)<\/answer>/i.exec(cut);
  const answer = answerMatch ? answerMatch[1]!.trim() : null;

  const segment = (t: string) => segmentText(t, { withRanges: false, onProblem: () => undefined }).steps.map((s) => s.text);
  const steps = segment(reasoning);
  // Steps written inside <answer> are steps of the solution too: they are judged and counted.
  const answerSteps = answer ? segment(answer) : [];
  if (answerSteps.length > 1) {
    answerSteps[0] = `<answer>${answerSteps[0]}`;
    answerSteps[answerSteps.length - 1] = `${answerSteps[answerSteps.length - 1]}</answer>`;
    steps.push(...answerSteps);
  } else if (answerBlock) {
    if (steps.length) steps[steps.length - 1] = `${steps[steps.length - 1]}\n${answerBlock}`;
    else steps.push(answerBlock);
  }

  const reasons: GateCode[] = [];
  const details: string[] = [];
  const fail = (code: GateCode, why: string) => {
    reasons.push(code);
    details.push(why);
  };
  if (rules.boxedCount) {
    const n = rules.sparkCode ? SPARK_BOXED.reduce((sum, re) => sum + count(re, cut), 0) : count(BOXED, text);
    if (n !== 1) fail("boxed-count", `${n} \\boxed{} answers (exactly one is allowed)`);
  }
  if (rules.answerTagCount) {
    const n = rules.sparkCode ? count(SPARK_ANSWER_BLOCK, cut) : count(ANSWER_BLOCK, text);
    if (n !== 1) fail("answer-tag-count", `${n} <answer>…</answer> blocks (exactly one is allowed)`);
  }
  if (rules.textAfterAnswer) {
    if (rules.sparkCode) {
      if (SPARK_TEXT_AFTER.test(cut)) fail("text-after-answer", "text after a </answer> inside the rollout cut at its last </answer>");
    } else if (after.trim()) fail("text-after-answer", `${after.trim().length} characters after </answer> (only white space is allowed)`);
  }
  if (rules.stepCount && (steps.length < rules.minSteps || steps.length > rules.maxSteps)) {
    fail("step-count", `${steps.length} step${steps.length === 1 ? "" : "s"} (allowed: ${rules.minSteps} to ${rules.maxSteps})`);
  }
  if (rules.secondSolution) {
    // The whole response: a second solution pasted after </answer> counts too.
    const second = findSecondSolution(close ? `${reasoning}\n${after}` : reasoning);
    if (second) fail("second-solution", second.why);
  }
  return { passed: reasons.length === 0, reasons, details, cut, steps, answer };
}
