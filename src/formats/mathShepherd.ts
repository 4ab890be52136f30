/**
 * Math-Shepherd records (arXiv 2312.08935): `{input, label, task}`. `input` is the question followed
 * by the steps, each ended by a tag (`ки` by default; configurable), e.g.
 * "<question> Step 1: … ки\nStep 2: … ки"; `label` is the same text with `+` (correct) or `-` (wrong)
 * in place of each tag. The problem ends where the first step starts, as TRL's
 * examples/datasets/math_shepherd.py splits it: at "Step 1:" (also "step 1:"; the last one before the
 * first tag), else after the "?" that ends the question (the last one before the first tag), else —
 * StepLens's own fallback — at the last line break before it. Step text drops its "Step k:" marker.
 *
 * A few rows of the published dataset carry a stray tag inside the problem (an annotation error; TRL
 * lists their opening words and drops their first label). Such a tag is recognised when the text
 * before the first tag holds no "Step 1:" but a later piece starts the steps with it, or, failing
 * that, for the rows TRL lists: the stray tag and its label are dropped (the tag is removed from the
 * problem), so labels stay on their own steps. `meta.strayTags` counts them.
 * A record without `label` is read unlabelled.
 */
import type { Trace } from "../core/trace";
import { firstErrorOf } from "../core/trace";
import { finalAnswerFromSteps } from "./datasetAnswer";
import { type RecordContext, describeType, recordError, recordId, recordTrace, requireObject, requireString } from "./datasetFields";

export const MATH_SHEPHERD_TAG = "ки";

export interface MathShepherdOptions {
  /** The tag that ends each step in `input` (default `ки`). */
  stepTag?: string;
}

const HINT =
  "A Math-Shepherd record needs 'input' (the question, then steps each ended by the step tag) and optionally 'label' (the same text with +/- in place of each tag).";
const STEP_MARKER = /^\s*Step\s*\d+\s*[:.：]\s*/i;
const FIRST_STEP = /(?:^|\s)(Step\s*1\s*[:.：])/gi;

/**
 * Opening words of the rows TRL's script treats as having a stray tag inside the problem
 * (examples/datasets/math_shepherd.py).
 */
export const STRAY_TAG_ROWS: readonly string[] = [
  "Mr. Rocky",
  "Parker",
  "What is the smallest positive",
  " The Myth",
  "Let $\\mathbf{a}$",
  "Find the arithmetic",
  "Determine an ordered pair",
  "Determine the ordered pair",
  "At the Quill and Scroll stationery",
  "Round to the nearest",
  "Calculate $\\sqrt{10p}",
  "Simplify $\\sqrt{28x}",
];

/** Where the first step starts in `text` ("Step 1:"), or -1. */
function firstStepAt(text: string): number {
  let at = -1;
  for (const m of text.matchAll(FIRST_STEP)) {
    const marker = m[1]; // the group takes part in every match
    if (marker === undefined) throw new Error("internal: FIRST_STEP's group took no part in a match");
    at = m.index + m[0].length - marker.length;
  }
  return at;
}

/**
 * How many of the first tags are stray (inside the problem): the pieces before the one where
 * "Step 1:" appears, when the first piece has none; else 1 for the rows TRL lists; else 0.
 */
function strayTagCount(input: string, pieces: readonly string[]): number {
  for (const [k, piece] of pieces.entries()) {
    if (k > 0 && k === pieces.length - 1) break; // the last piece (after the last tag) is never a problem piece
    if (firstStepAt(piece) >= 0) return k; // k === 0: the first piece has "Step 1:", no stray tags
  }
  return pieces.length > 2 && STRAY_TAG_ROWS.some((p) => input.startsWith(p)) ? 1 : 0;
}

/** Splits the text before the first tag into the problem and the first step. */
function splitProblem(head: string, ctx: RecordContext): [problem: string, firstStep: string] {
  let at = firstStepAt(head);
  if (at >= 0) return [head.slice(0, at).trim(), head.slice(at)];
  at = head.lastIndexOf("?") + 1;
  if (at > 0 && head.slice(at).trim()) return [head.slice(0, at).trim(), head.slice(at)];
  at = head.trimEnd().lastIndexOf("\n") + 1;
  if (at <= 0)
    throw recordError(
      ctx,
      "cannot tell where the problem ends in 'input': no 'Step 1:' and no line break before the first step tag",
      "Start the first step with 'Step 1:' (Math-Shepherd's layout), or put the problem on its own line.",
    );
  return [head.slice(0, at).trim(), head.slice(at)];
}

function cleanStep(text: string): string {
  return text.replace(STEP_MARKER, "").trim();
}

export function mathShepherdTrace(value: unknown, ctx: RecordContext, options: MathShepherdOptions = {}): Trace {
  const tag = options.stepTag ?? MATH_SHEPHERD_TAG;
  const obj = requireObject(value, ctx, "a Math-Shepherd record", HINT);
  const input = requireString(obj, "input", ctx, "", HINT);

  const allPieces = input.split(tag); // n tags → n + 1 pieces; the last is what follows the last tag
  if (allPieces.length < 2)
    throw recordError(ctx, `'input' has no step tag '${tag}'`, `Each step must end with '${tag}'; if your data uses another tag, pass it with --step-tag.`);
  // Stray tags inside the problem: their pieces join the problem (the tags removed).
  const stray = strayTagCount(input, allPieces);
  const pieces = stray ? [allPieces.slice(0, stray + 1).join(""), ...allPieces.slice(stray + 1)] : allPieces;
  const head = pieces[0];
  const tail = pieces.at(-1);
  // split gives n + 1 >= 2 pieces, and the stray ones join into one: two or more remain.
  if (head === undefined || tail === undefined) throw new Error("internal: a Math-Shepherd input split into no pieces");
  const [problem, firstStep] = splitProblem(head, ctx);
  const tagged = [firstStep, ...pieces.slice(1, -1)];
  const stepTexts = tagged.map(cleanStep);
  if (tail.trim() !== "") stepTexts.push(cleanStep(tail)); // an untagged last step: kept, unlabelled

  let labels: Trace["labels"] = null;
  if (obj.label !== undefined && obj.label !== null) {
    if (typeof obj.label !== "string") throw recordError(ctx, `field 'label' must be a string, found ${describeType(obj.label)}`, HINT);
    const label = obj.label;
    const verdicts: (boolean | null)[] = [];
    let cursor = 0;
    for (const [k, piece] of allPieces.entries()) {
      if (k === allPieces.length - 1) break; // what follows the last tag has no mark
      const mark = label[cursor + piece.length];
      const step = k - stray + 1;
      if (!label.startsWith(piece, cursor) || (mark !== "+" && mark !== "-"))
        throw recordError(
          ctx,
          `'label' does not match 'input' at ${step >= 1 ? `step ${step}` : "a stray tag in the problem"}: expected the same text with '+' or '-' in place of '${tag}'`,
          "Regenerate 'label' from 'input' (replace each tag with + or -).",
        );
      if (k >= stray) verdicts.push(mark === "+"); // a stray tag's mark labels no step
      cursor += piece.length + 1;
    }
    if (stepTexts.length > verdicts.length) verdicts.push(null);
    labels = { kind: "per-step", steps: verdicts, firstError: firstErrorOf(verdicts) };
  }

  const meta: Record<string, unknown> = {};
  if (typeof obj.task === "string") meta.task = obj.task;
  if (stray) meta.strayTags = stray;
  return recordTrace(ctx, {
    format: "math-shepherd",
    problem,
    steps: stepTexts,
    finalAnswer: finalAnswerFromSteps(stepTexts),
    labels,
    id: recordId(obj, ctx),
    meta,
  });
}
