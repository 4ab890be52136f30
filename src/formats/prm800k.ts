/**
 * PRM800K records (OpenAI, "Let's Verify Step by Step"), one JSON object per line:
 * `{question: {problem, ground_truth_answer, …}, label: {steps: [{completions: [{text, rating, flagged}],
 * human_completion, chosen_completion}], finish_reason}}`.
 *
 * The trace is the path the labeler walked: for each step, the completion at `chosen_completion`;
 * when that is null (the labeler chose none: typically every option was rated -1, or they wrote their
 * own), the `human_completion` when there is one, else the first completion. The trace stops after
 * a step rated -1, where labelling stopped. Per-step labels: rating 1 → true (correct), -1 → false
 * (wrong), 0 or no rating (e.g. a human completion) → null (neutral).
 */
import type { Trace } from "../core/trace";
import { firstErrorOf } from "../core/trace";
import { finalAnswerFromSteps } from "./datasetAnswer";
import { type JsonObject, type RecordContext, describeType, isObject, recordError, recordId, requireObject, requireString, stepText } from "./datasetFields";

const HINT =
  "A PRM800K record needs question.problem (string) and label.steps (array of {completions: [{text, rating}], chosen_completion, human_completion}).";

function ratingLabel(rating: unknown): boolean | null {
  if (rating === 1) return true;
  if (rating === -1) return false;
  return null;
}

function chosenCompletion(step: JsonObject, k: number, ctx: RecordContext): JsonObject {
  const completions = step.completions ?? [];
  if (!Array.isArray(completions)) throw recordError(ctx, `'label.steps[${k}].completions' must be an array, found ${describeType(completions)}`, HINT);
  const chosen = step.chosen_completion;
  let pick: unknown;
  if (typeof chosen === "number") {
    if (!Number.isInteger(chosen) || chosen < 0 || chosen >= completions.length)
      throw recordError(ctx, `'label.steps[${k}].chosen_completion' is ${chosen} but the step has ${completions.length} completions`, HINT);
    pick = completions[chosen];
  } else if (chosen === null || chosen === undefined) {
    pick = isObject(step.human_completion) ? step.human_completion : completions[0];
    if (pick === undefined) throw recordError(ctx, `'label.steps[${k}]' has no completion to follow (no chosen, human or first completion)`, HINT);
  } else {
    throw recordError(ctx, `'label.steps[${k}].chosen_completion' must be an integer or null, found ${describeType(chosen)}`, HINT);
  }
  const completion = requireObject(pick, ctx, `the completion followed at label.steps[${k}]`, HINT);
  requireString(completion, "text", ctx, `label.steps[${k}].<completion>.`, HINT);
  return completion;
}

export function prm800kTrace(value: unknown, ctx: RecordContext): Trace {
  const obj = requireObject(value, ctx, "a PRM800K record", HINT);
  const question = requireObject(obj.question, ctx, "field 'question'", HINT);
  const problem = requireString(question, "problem", ctx, "question.", HINT);
  const label = requireObject(obj.label, ctx, "field 'label'", HINT);
  if (!Array.isArray(label.steps))
    throw recordError(ctx, `field 'label.steps' must be an array, found ${"steps" in label ? describeType(label.steps) : "the field is missing"}`, HINT);

  const texts: string[] = [];
  const verdicts: (boolean | null)[] = [];
  for (let k = 0; k < label.steps.length; k++) {
    const step = requireObject(label.steps[k], ctx, `'label.steps[${k}]'`, HINT);
    const completion = chosenCompletion(step, k, ctx);
    texts.push(completion.text as string);
    const verdict = ratingLabel(completion.rating);
    verdicts.push(verdict);
    if (verdict === false) break; // labelling stops at the first wrong step
  }

  const meta: Record<string, unknown> = {};
  if (typeof question.ground_truth_answer === "string") meta.groundTruthAnswer = question.ground_truth_answer;
  if (typeof label.finish_reason === "string") meta.finishReason = label.finish_reason;
  return {
    format: "prm800k",
    problem,
    problemRange: null,
    steps: texts.map((text, index) => ({ index, text: stepText(text), range: null })),
    finalAnswer: finalAnswerFromSteps(texts),
    finalAnswerRange: null,
    labels: { kind: "per-step", steps: verdicts, firstError: firstErrorOf(verdicts) },
    source: { file: ctx.file, record: ctx.record, line: ctx.line, id: recordId(obj, ctx) },
    meta,
  };
}
