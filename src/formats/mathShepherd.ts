/**
 * Math-Shepherd records (arXiv 2312.08935): `{input, label, task}`. `input` is the question followed
 * by the steps, each ended by a tag (`ки` by default; configurable), e.g.
 * "<question> Step 1: … ки\nStep 2: … ки"; `label` is the same text with `+` (correct) or `-` (wrong)
 * in place of each tag. The problem ends where the first step starts: at the last "Step 1:" before
 * the first tag, else at the last line break before it. Step text drops its "Step k:" marker.
 * A record without `label` is read unlabelled.
 */
import type { Trace } from "../core/trace";
import { firstErrorOf } from "../core/trace";
import { finalAnswerFromSteps } from "./datasetAnswer";
import { type RecordContext, describeType, recordError, recordId, requireObject, requireString } from "./datasetFields";

export const MATH_SHEPHERD_TAG = "ки";

export interface MathShepherdOptions {
  /** The tag that ends each step in `input` (default `ки`). */
  stepTag?: string;
}

const HINT = "A Math-Shepherd record needs 'input' (the question, then steps each ended by the step tag) and optionally 'label' (the same text with +/- in place of each tag).";
const STEP_MARKER = /^\s*Step\s*\d+\s*[:.：]\s*/i;

/** Splits the text before the first tag into the problem and the first step. */
function splitProblem(head: string, ctx: RecordContext): [problem: string, firstStep: string] {
  let at = -1;
  const re = /(?:^|\s)(Step\s*1\s*[:.：])/gi;
  for (let m = re.exec(head); m; m = re.exec(head)) at = m.index + m[0].length - m[1].length;
  if (at >= 0) return [head.slice(0, at).trim(), head.slice(at)];
  at = head.trimEnd().lastIndexOf("\n") + 1;
  if (at <= 0)
    throw recordError(ctx, "cannot tell where the problem ends in 'input': no 'Step 1:' and no line break before the first step tag", "Start the first step with 'Step 1:' (Math-Shepherd's layout), or put the problem on its own line.");
  return [head.slice(0, at).trim(), head.slice(at)];
}

function cleanStep(text: string): string {
  return text.replace(STEP_MARKER, "").trim();
}

export function mathShepherdTrace(value: unknown, ctx: RecordContext, options: MathShepherdOptions = {}): Trace {
  const tag = options.stepTag ?? MATH_SHEPHERD_TAG;
  const obj = requireObject(value, ctx, "a Math-Shepherd record", HINT);
  const input = requireString(obj, "input", ctx, "", HINT);

  const pieces = input.split(tag); // n tags → n + 1 pieces; the last is what follows the last tag
  if (pieces.length < 2)
    throw recordError(ctx, `'input' has no step tag '${tag}'`, `Each step must end with '${tag}'; if your data uses another tag, pass it with --step-tag.`);
  const [problem, firstStep] = splitProblem(pieces[0], ctx);
  const tagged = [firstStep, ...pieces.slice(1, -1)];
  const tail = pieces[pieces.length - 1];
  const stepTexts = tagged.map(cleanStep);
  if (tail.trim() !== "") stepTexts.push(cleanStep(tail)); // an untagged last step: kept, unlabelled

  let labels: Trace["labels"] = null;
  if (obj.label !== undefined && obj.label !== null) {
    if (typeof obj.label !== "string") throw recordError(ctx, `field 'label' must be a string, found ${describeType(obj.label)}`, HINT);
    const label = obj.label;
    const verdicts: (boolean | null)[] = [];
    let cursor = 0;
    for (let k = 0; k < pieces.length - 1; k++) {
      const piece = pieces[k];
      const mark = label[cursor + piece.length];
      if (!label.startsWith(piece, cursor) || (mark !== "+" && mark !== "-"))
        throw recordError(ctx, `'label' does not match 'input' at step ${k + 1}: expected the same text with '+' or '-' in place of '${tag}'`, "Regenerate 'label' from 'input' (replace each tag with + or -).");
      verdicts.push(mark === "+");
      cursor += piece.length + 1;
    }
    if (stepTexts.length > verdicts.length) verdicts.push(null);
    labels = { kind: "per-step", steps: verdicts, firstError: firstErrorOf(verdicts) };
  }

  const meta: Record<string, unknown> = {};
  if (typeof obj.task === "string") meta.task = obj.task;
  return {
    format: "math-shepherd",
    problem,
    problemRange: null,
    steps: stepTexts.map((text, index) => ({ index, text, range: null })),
    finalAnswer: finalAnswerFromSteps(stepTexts),
    finalAnswerRange: null,
    labels,
    source: { file: ctx.file, record: ctx.record, line: ctx.line, id: recordId(obj, ctx) },
    meta,
  };
}
