/**
 * PRM800K records (OpenAI, "Let's Verify Step by Step"), one JSON object per line:
 * `{question: {problem, ground_truth_answer, …}, label: {steps: [{completions: [{text, rating, flagged}],
 * human_completion, chosen_completion}], finish_reason}}`.
 *
 * The trace is the path the labeler walked: for each step, the completion at `chosen_completion`;
 * when that is null (the labeler chose none: typically every option was rated -1, or they wrote their
 * own), the `human_completion` when there is one, else the first completion. The trace stops after
 * a step rated -1, where labelling stopped. Per-step labels:
 * - rating 1 → true (correct), -1 → false (wrong);
 * - a human-written completion (`human_completion`, unrated in the data) → true: the labeler wrote
 *   it as the right next step (TRL's examples/datasets/prm800k.py reads it the same way);
 * - rating 0 is PRM800K's "neutral" (acceptable but not progressing; the labelers' guide): null by
 *   default, or true / false with the `neutral` option. TRL's script tests `rating == 1`, so it reads
 *   0 as incorrect: `neutral: "incorrect"` reproduces TRL's labels. An unrated model completion → null.
 */
import type { Trace } from "../core/trace";
import { firstErrorOf } from "../core/trace";
import { finalAnswerFromSteps } from "./datasetAnswer";
import {
  type JsonObject,
  type RecordContext,
  describeType,
  isObject,
  recordError,
  recordId,
  recordTrace,
  requireObject,
  requireString,
  stepText,
} from "./datasetFields";

const HINT =
  "A PRM800K record needs question.problem (string) and label.steps (array of {completions: [{text, rating}], chosen_completion, human_completion}).";

/** How a rating of 0 (neutral) is read: as no label (default), as correct, or as incorrect (TRL). */
export type Prm800kNeutral = "unlabelled" | "correct" | "incorrect";
export const PRM800K_NEUTRAL_CHOICES: readonly Prm800kNeutral[] = ["unlabelled", "correct", "incorrect"];

export interface Prm800kOptions {
  /** Rating 0 (neutral): "unlabelled" (null, default), "correct" or "incorrect" (as TRL's script). */
  neutral?: Prm800kNeutral;
}

function ratingLabel(rating: unknown, neutral: Prm800kNeutral): boolean | null {
  if (rating === 1) return true;
  if (rating === -1) return false;
  if (rating === 0) return neutral === "correct" ? true : neutral === "incorrect" ? false : null;
  return null;
}

function chosenCompletion(step: JsonObject, k: number, ctx: RecordContext): { completion: JsonObject; human: boolean } {
  const completions = step.completions ?? [];
  if (!Array.isArray(completions)) throw recordError(ctx, `'label.steps[${k}].completions' must be an array, found ${describeType(completions)}`, HINT);
  const chosen = step.chosen_completion;
  let pick: unknown;
  let human = false;
  if (typeof chosen === "number") {
    if (!Number.isInteger(chosen) || chosen < 0 || chosen >= completions.length)
      throw recordError(ctx, `'label.steps[${k}].chosen_completion' is ${chosen} but the step has ${completions.length} completions`, HINT);
    pick = completions[chosen];
  } else if (chosen === null || chosen === undefined) {
    human = isObject(step.human_completion);
    pick = human ? step.human_completion : completions[0];
    if (pick === undefined) throw recordError(ctx, `'label.steps[${k}]' has no completion to follow (no chosen, human or first completion)`, HINT);
  } else {
    throw recordError(ctx, `'label.steps[${k}].chosen_completion' must be an integer or null, found ${describeType(chosen)}`, HINT);
  }
  const completion = requireObject(pick, ctx, `the completion followed at label.steps[${k}]`, HINT);
  requireString(completion, "text", ctx, `label.steps[${k}].<completion>.`, HINT);
  return { completion, human };
}

export function prm800kTrace(value: unknown, ctx: RecordContext, options: Prm800kOptions = {}): Trace {
  const neutral = options.neutral ?? "unlabelled";
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
    const { completion, human } = chosenCompletion(step, k, ctx);
    texts.push(completion.text as string);
    // A human completion is the labeler's own correct step, unless the data rates it otherwise.
    const verdict = human && (completion.rating === null || completion.rating === undefined) ? true : ratingLabel(completion.rating, neutral);
    verdicts.push(verdict);
    if (completion.rating === -1) break; // labelling stops at the first step rated wrong (a neutral read as incorrect does not stop it)
  }

  const meta: Record<string, unknown> = {};
  if (typeof question.ground_truth_answer === "string") meta.groundTruthAnswer = question.ground_truth_answer;
  if (typeof label.finish_reason === "string") meta.finishReason = label.finish_reason;
  return recordTrace(ctx, {
    format: "prm800k",
    problem,
    steps: texts.map(stepText),
    finalAnswer: finalAnswerFromSteps(texts),
    labels: { kind: "per-step", steps: verdicts, firstError: firstErrorOf(verdicts) },
    id: recordId(obj, ctx),
    meta,
  });
}
