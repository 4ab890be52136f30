/**
 * Generic JSONL (or JSON list) traces with configurable field names. Each record gives:
 * - the problem: the first of `question`, `problem`, `prompt` that is a string (or a list of chat
 *   messages: its last user turn), else the first user turn of `messages`;
 * - the steps, from the first that is present of:
 *   1. a `steps` (or TRL's `completions`) array of strings: the steps as they are;
 *   2. a solution string in `response`, `solution`, `completion` or `output`: segmented like a text
 *      trace (markers, numbered items or paragraphs; see ./text.ts);
 *   3. chat `messages`: the last assistant turn, segmented the same way;
 * - labels, when present: `labels` (one per step: true/false/null, 1/0, "+"/"-") or `label`
 *   (ProcessBench-style integer: -1 or the 0-based index of the first wrong step);
 * - the final answer: `final_answer` or `answer` when it is a string or number, else from the steps
 *   (see ./datasetAnswer.ts).
 * Dataset step ranges are null: the steps do not map to text the user sees in the file.
 * Field names may be dotted paths (`question.problem`); naming a field replaces the defaults.
 */
import type { Trace, TraceLabels } from "../core/trace";
import { firstErrorOf } from "../core/trace";
import { StepLensError } from "../core/errors";
import { finalAnswerFromSteps } from "./datasetAnswer";
import { type JsonObject, type RecordContext, describeType, getPath, isObject, recordError, recordTrace, requireObject, stepText } from "./datasetFields";
import { segmentText } from "./text";
import { REFERENCE_KEYS } from "./referenceKeys";

export interface JsonlFieldNames {
  /** Candidates for the problem text, tried in order. */
  problem?: readonly string[];
  /** Candidates for a solution string to segment. */
  solution?: readonly string[];
  /** Candidates for an array of step strings. */
  steps?: readonly string[];
  /** Candidates for a chat transcript (`[{role, content}]`). */
  messages?: readonly string[];
  /** Candidates for the record's id. */
  id?: readonly string[];
  /** Candidates for the final answer. */
  answer?: readonly string[];
}

export const DEFAULT_JSONL_FIELDS: Required<JsonlFieldNames> = {
  problem: ["question", "problem", "prompt"],
  solution: ["response", "solution", "completion", "output"],
  steps: ["steps", "completions"],
  messages: ["messages"],
  id: ["id"],
  answer: ["final_answer", "answer"],
};

/** The defaults, with any of them replaced by the user's names. */
export function resolveJsonlFields(overrides: JsonlFieldNames = {}): Required<JsonlFieldNames> {
  const out = { ...DEFAULT_JSONL_FIELDS };
  for (const key of Object.keys(out) as (keyof JsonlFieldNames)[]) {
    const given = overrides[key];
    if (given && given.length) out[key] = given;
  }
  return out;
}

const HINT =
  "A generic JSONL record needs a problem (question/problem/prompt) and steps: a 'steps' array, a solution string (response/solution/completion/output) or chat 'messages'; name your fields with --problem-field, --solution-field, --steps-field.";

/** Text of a chat message's content: a string, or the text parts of a content array (null for anything else). */
export function messageText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const texts = content.map((p) => (typeof p === "string" ? p : isObject(p) && typeof p.text === "string" ? p.text : null));
    if (texts.every((t) => t !== null)) return texts.join("");
  }
  return null;
}

/** The content of the first (or last) message with `role`, or null. */
function turn(messages: unknown[], role: string, which: "first" | "last"): string | null {
  const list = which === "first" ? messages : [...messages].reverse();
  for (const m of list) if (isObject(m) && m.role === role) return messageText(m.content);
  return null;
}

function firstPresent(obj: JsonObject, names: readonly string[]): { name: string; value: unknown } | null {
  for (const name of names) {
    const value = getPath(obj, name);
    if (value !== undefined && value !== null) return { name, value };
  }
  return null;
}

function readProblem(obj: JsonObject, fields: Required<JsonlFieldNames>, ctx: RecordContext, named: boolean): string {
  for (const name of fields.problem) {
    const value = getPath(obj, name);
    if (typeof value === "string") return value;
    if (Array.isArray(value)) {
      const user = turn(value, "user", "last");
      if (user !== null) return user;
    }
    if (value !== undefined && value !== null && named)
      throw recordError(ctx, `field '${name}' must be a string or a list of chat messages, found ${describeType(value)}`, HINT);
  }
  const messages = firstPresent(obj, fields.messages);
  if (messages && Array.isArray(messages.value)) {
    const user = turn(messages.value, "user", "first");
    if (user !== null) return user;
  }
  throw recordError(ctx, `no problem: none of ${fields.problem.map((n) => `'${n}'`).join(", ")} is a string`, HINT);
}

const LABEL_VALUES = new Map<unknown, boolean | null>([
  [true, true],
  [false, false],
  [null, null],
  [1, true],
  [0, false],
  ["+", true],
  ["-", false],
]);

function readLabels(obj: JsonObject, stepCount: number, ctx: RecordContext): TraceLabels | null {
  if (Array.isArray(obj.labels)) {
    if (obj.labels.length !== stepCount)
      throw recordError(
        ctx,
        `'labels' has ${obj.labels.length} entries but the record has ${stepCount} steps`,
        'Give one label per step (true/false/null, 1/0 or "+"/"-").',
      );
    const steps = obj.labels.map((v, i) => {
      if (!LABEL_VALUES.has(v)) throw recordError(ctx, `'labels[${i}]' must be true/false/null, 1/0 or "+"/"-", found ${JSON.stringify(v)}`, HINT);
      return LABEL_VALUES.get(v) as boolean | null;
    });
    return { kind: "per-step", steps, firstError: firstErrorOf(steps) };
  }
  const label = obj.label;
  if (typeof label === "number" && Number.isInteger(label)) {
    if (label < -1 || label >= stepCount)
      throw recordError(
        ctx,
        `'label' is ${label} but the record has ${stepCount} steps (valid: -1 to ${stepCount - 1})`,
        "Use -1 when every step is correct, else the 0-based index of the first wrong step.",
      );
    return { kind: "first-error", firstError: label };
  }
  return null; // other `label` shapes are not step labels: ignored
}

function readId(obj: JsonObject, fields: Required<JsonlFieldNames>, ctx: RecordContext): string {
  for (const name of fields.id) {
    const value = getPath(obj, name);
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
  }
  return String(ctx.record);
}

function readAnswer(obj: JsonObject, fields: Required<JsonlFieldNames>): string | null {
  for (const name of fields.answer) {
    const value = getPath(obj, name);
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
  }
  return null;
}

/** Steps (and a final answer found while segmenting) from a solution string. */
function segmentSolution(solution: string, ctx: RecordContext): { steps: string[]; finalAnswer: string | null } {
  try {
    const trace = segmentText(solution, { file: ctx.file, withRanges: false });
    return { steps: trace.steps.map((s) => s.text), finalAnswer: trace.finalAnswer };
  } catch (e) {
    if (e instanceof StepLensError) throw recordError(ctx, `the solution could not be segmented: ${e.message}`, e.details.hint);
    throw e;
  }
}

export function jsonlTrace(value: unknown, ctx: RecordContext, fieldNames: JsonlFieldNames = {}): Trace {
  const fields = resolveJsonlFields(fieldNames);
  const obj = requireObject(value, ctx, "a record", HINT);
  const problem = readProblem(obj, fields, ctx, Boolean(fieldNames.problem?.length));

  let steps: string[] | null = null;
  let segmentedAnswer: string | null = null;
  const stepsField = firstPresent(obj, fields.steps);
  if (stepsField && Array.isArray(stepsField.value)) {
    steps = stepsField.value.map((s, i) => {
      if (typeof s !== "string") throw recordError(ctx, `'${stepsField.name}[${i}]' must be a string, found ${describeType(s)}`, HINT);
      return stepText(s);
    });
  } else if (stepsField && fieldNames.steps?.length) {
    throw recordError(ctx, `field '${stepsField.name}' must be an array of strings, found ${describeType(stepsField.value)}`, HINT);
  }
  if (!steps) {
    const solution = firstPresent(obj, fields.solution);
    if (solution && typeof solution.value === "string") ({ steps, finalAnswer: segmentedAnswer } = segmentSolution(solution.value, ctx));
    else if (solution && fieldNames.solution?.length)
      throw recordError(ctx, `field '${solution.name}' must be a string, found ${describeType(solution.value)}`, HINT);
  }
  if (!steps) {
    const messages = firstPresent(obj, fields.messages);
    const reply = messages && Array.isArray(messages.value) ? turn(messages.value, "assistant", "last") : null;
    if (reply !== null) ({ steps, finalAnswer: segmentedAnswer } = segmentSolution(reply, ctx));
  }
  if (!steps) {
    const tried = [...fields.steps, ...fields.solution, ...fields.messages].map((n) => `'${n}'`).join(", ");
    throw recordError(ctx, `no steps: none of ${tried} holds a step array, a solution string or an assistant message`, HINT);
  }

  return recordTrace(ctx, {
    format: "jsonl",
    problem,
    steps,
    finalAnswer: readAnswer(obj, fields) ?? segmentedAnswer ?? finalAnswerFromSteps(steps),
    labels: readLabels(obj, steps.length, ctx),
    id: readId(obj, fields, ctx),
    ...referenceMeta(obj),
  });
}

/** A reference (gold) answer field of the record, kept in `meta` for outcome grading (PAV progress). */
function referenceMeta(obj: JsonObject): { meta?: Record<string, unknown> } {
  for (const key of REFERENCE_KEYS) {
    const v = obj[key];
    if ((typeof v === "string" && v.trim() !== "") || typeof v === "number") return { meta: { [key]: v } };
  }
  return {};
}
