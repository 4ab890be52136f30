/**
 * The format gate that stops reward hacking before a PRM ever sees a rollout (SPARK stage III).
 * Each rule is a setting and has one machine-readable reason code:
 * - `boxed-count`: exactly one `\boxed{…}` in the response;
 * - `answer-tag-count`: exactly one `<answer>…</answer>`;
 * - `text-after-answer`: nothing but white space after the first `</answer>`;
 * - `step-count`: the reasoning before `<answer>` has between minSteps and maxSteps steps;
 * - `second-solution`: no appended second solution — a second "Step 1" run (numbering that starts
 *   over), a second problem statement ("Problem:" / "Question:" after the solution started), or a
 *   solution that restarts (new step markers) after it already stated a final answer. This is the
 *   hack SPARK observed: a fully solved *different* problem pasted after the real one.
 * The rollout is cut right after the first `</answer>`: the PRM sees only that text. Steps come from
 * the shared segmenter (src/formats/text.ts). No `vscode` import here.
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
  /** Refuse an appended second solution (default true). */
  secondSolution: boolean;
}

export const DEFAULT_GATE_RULES: Readonly<GateRules> = {
  boxedCount: true,
  answerTagCount: true,
  textAfterAnswer: true,
  stepCount: true,
  minSteps: 3,
  maxSteps: 20,
  secondSolution: true,
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
};

export interface GateResult {
  passed: boolean;
  /** Failed rules, in GATE_CODES order; empty when passed. */
  reasons: GateCode[];
  /** One human-readable line per reason (same order). */
  details: string[];
  /** The response cut right after the first `</answer>` (the whole response when there is none). */
  cut: string;
  /** The steps the PRM scores: the reasoning before `<answer>`, the answer block joined to the last step. */
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
  const text = response.replace(/\r\n?/g, "\n");
  const close = ANSWER_CLOSE.exec(text);
  const cut = close ? text.slice(0, close.index + close[0].length) : text;
  const after = close ? text.slice(close.index + close[0].length) : "";
  const open = ANSWER_OPEN.exec(cut);
  const reasoning = open ? cut.slice(0, open.index) : cut;
  const answerBlock = open ? cut.slice(open.index).trim() : "";
  const answerMatch = /<answer>([\s\S]*?)<\/answer>/i.exec(cut);
  const answer = answerMatch ? answerMatch[1]!.trim() : null;

  const steps = segmentText(reasoning, { withRanges: false, onProblem: () => undefined }).steps.map((s) => s.text);
  if (answerBlock) {
    if (steps.length) steps[steps.length - 1] = `${steps[steps.length - 1]}\n${answerBlock}`;
    else steps.push(answerBlock);
  }
  const reasoningSteps = steps.length - (answerBlock && !reasoning.trim() ? 1 : 0);

  const reasons: GateCode[] = [];
  const details: string[] = [];
  const fail = (code: GateCode, why: string) => {
    reasons.push(code);
    details.push(why);
  };
  if (rules.boxedCount) {
    const n = count(BOXED, text);
    if (n !== 1) fail("boxed-count", `${n} \\boxed{} answers (exactly one is allowed)`);
  }
  if (rules.answerTagCount) {
    const n = count(ANSWER_BLOCK, text);
    if (n !== 1) fail("answer-tag-count", `${n} <answer>…</answer> blocks (exactly one is allowed)`);
  }
  if (rules.textAfterAnswer && after.trim()) fail("text-after-answer", `${after.trim().length} characters after </answer> (only white space is allowed)`);
  if (rules.stepCount && (reasoningSteps < rules.minSteps || reasoningSteps > rules.maxSteps)) {
    fail("step-count", `${reasoningSteps} steps (allowed: ${rules.minSteps} to ${rules.maxSteps})`);
  }
  if (rules.secondSolution) {
    // The whole response: a second solution pasted after </answer> counts too.
    const second = findSecondSolution(close ? `${reasoning}\n${after}` : reasoning);
    if (second) fail("second-solution", second.why);
  }
  return { passed: reasons.length === 0, reasons, details, cut, steps, answer };
}
