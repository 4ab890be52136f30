/**
 * Reading the fields of one dataset record (already parsed JSON) with errors that name the file,
 * the line the record starts on, the record and the field, and say what to do. Shared by the
 * ProcessBench, PRM800K, Math-Shepherd and generic JSONL readers.
 */
import { StepLensError } from "../core/errors";
import { isJsonObject } from "../core/jsonValue";
import type { Trace, TraceFormat, TraceLabels } from "../core/trace";

/** Where a record lives: used in every error about it and copied into the trace's source. */
export interface RecordContext {
  file: string;
  /** 0-based index of the record in the dataset. */
  record: number;
  /** 1-based line on which the record starts. */
  line: number;
}

export type JsonObject = Record<string, unknown>;

const DEFAULT_HINT = "Fix the record or remove it; the other records are still read.";

export function recordError(ctx: RecordContext, message: string, hint: string = DEFAULT_HINT): StepLensError {
  return new StepLensError(`record ${ctx.record}: ${message}.`, { file: ctx.file, line: ctx.line, hint, code: "bad-record" });
}

/** A parsed JSON object (not null, not an array). */
export const isObject: (value: unknown) => value is JsonObject = isJsonObject;

/** "a string", "an array", "null", … for messages about wrong types. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "undefined") return "nothing";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}

export function requireObject(value: unknown, ctx: RecordContext, what: string, hint?: string): JsonObject {
  if (!isObject(value)) throw recordError(ctx, `${what} must be a JSON object, found ${describeType(value)}`, hint);
  return value;
}

export function requireString(obj: JsonObject, key: string, ctx: RecordContext, where = "", hint?: string): string {
  const value = obj[key];
  if (typeof value !== "string") {
    const found = key in obj ? `found ${describeType(value)}` : "the field is missing";
    throw recordError(ctx, `field '${where}${key}' must be a string, ${found}`, hint);
  }
  return value;
}

export function requireStringArray(obj: JsonObject, key: string, ctx: RecordContext, where = "", hint?: string): string[] {
  const value = obj[key];
  if (!Array.isArray(value)) {
    const found = key in obj ? `found ${describeType(value)}` : "the field is missing";
    throw recordError(ctx, `field '${where}${key}' must be an array of strings, ${found}`, hint);
  }
  value.forEach((item, i) => {
    if (typeof item !== "string") throw recordError(ctx, `'${where}${key}[${i}]' must be a string, found ${describeType(item)}`, hint);
  });
  return value as string[];
}

/** The record's id as a string (strings and numbers are accepted), else the record index. */
export function recordId(obj: JsonObject, ctx: RecordContext, key = "id"): string {
  const value = obj[key];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return String(ctx.record);
}

/** Step text as the trace model wants it: no line-ending characters at either end. */
export function stepText(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 10 || text.charCodeAt(start) === 13)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Reads `a.b.c` from nested objects; undefined when any part is missing. */
export function getPath(obj: JsonObject, path: string): unknown {
  if (path in obj) return obj[path];
  let value: unknown = obj;
  for (const part of path.split(".")) {
    if (!isObject(value)) return undefined;
    value = value[part];
  }
  return value;
}

/**
 * A record's trace: the problem and the steps as the record holds them (no source ranges: a record
 * is not a document the user edits), its final answer and labels, and where the record is.
 */
export function recordTrace(
  ctx: RecordContext,
  t: {
    format: TraceFormat;
    problem: string;
    steps: readonly string[];
    finalAnswer: string | null;
    labels: TraceLabels | null;
    id: string;
    meta?: Record<string, unknown>;
  },
): Trace {
  return {
    format: t.format,
    problem: t.problem,
    problemRange: null,
    steps: t.steps.map((text, index) => ({ index, text, range: null })),
    finalAnswer: t.finalAnswer,
    finalAnswerRange: null,
    labels: t.labels,
    source: { file: ctx.file, record: ctx.record, line: ctx.line, id: t.id },
    ...(t.meta ? { meta: t.meta } : {}),
  };
}
