/**
 * ProcessBench records (arXiv 2412.06559): `{id, generator, problem, steps: string[],
 * final_answer_correct: bool, label: int}`, where `label` is the 0-based index of the earliest wrong
 * step or -1 when every step is correct. Shipped as a JSON list; JSONL works the same.
 */
import type { Trace } from "../core/trace";
import { finalAnswerFromSteps } from "./datasetAnswer";
import { type RecordContext, recordError, recordId, recordTrace, requireObject, requireString, requireStringArray, stepText } from "./datasetFields";

const HINT =
  "A ProcessBench record needs 'problem' (string), 'steps' (array of strings) and 'label' (-1 or the 0-based index of the first wrong step); for records without labels use --format jsonl.";

export function processBenchTrace(value: unknown, ctx: RecordContext): Trace {
  const obj = requireObject(value, ctx, "a ProcessBench record", HINT);
  const problem = requireString(obj, "problem", ctx, "", HINT);
  const steps = requireStringArray(obj, "steps", ctx, "", HINT);
  const label = obj.label;
  if (typeof label !== "number" || !Number.isInteger(label))
    throw recordError(ctx, `field 'label' must be an integer (-1 or a step index), found ${label === undefined ? "nothing" : JSON.stringify(label)}`, HINT);
  if (label < -1 || label >= steps.length)
    throw recordError(ctx, `'label' is ${label} but the record has ${steps.length} steps (valid: -1 to ${steps.length - 1})`, HINT);
  const meta: Record<string, unknown> = {};
  if (typeof obj.generator === "string") meta.generator = obj.generator;
  if (typeof obj.final_answer_correct === "boolean") meta.finalAnswerCorrect = obj.final_answer_correct;
  return recordTrace(ctx, {
    format: "processbench",
    problem,
    steps: steps.map(stepText),
    finalAnswer: finalAnswerFromSteps(steps),
    labels: { kind: "first-error", firstError: label },
    id: recordId(obj, ctx),
    meta,
  });
}
