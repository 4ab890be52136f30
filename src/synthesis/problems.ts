/**
 * The problems a synthesis run works on, streamed from a file (memory stays bounded by the largest
 * record): JSONL (or a JSON list) of problem records with configurable id / problem / reference
 * fields, or any dataset format StepLens reads (ProcessBench, PRM800K, Math-Shepherd, generic JSONL
 * with steps): its problems are used, its steps and labels ignored. A record that cannot be read
 * (bad JSON, no problem text, a duplicate id) is reported as `file:line: …` and skipped; the rest
 * are read. Shards keep only the problems whose id hashes to them. No `vscode` import.
 */
import { StepLensError, throwIfAborted } from "../core/errors";
import type { TraceFormat } from "../core/trace";
import { getPath, isObject, type JsonObject } from "../formats/datasetFields";
import { detectFormat } from "../formats/detect";
import { invalidUtf8Error } from "../formats/decodeText";
import { readRawRecords } from "../formats/jsonStream";
import { DEFAULT_JSONL_FIELDS, messageText } from "../formats/jsonl";
import { parseRecord, recordReader } from "../formats/records";
import { shardOf, type Shard } from "./ids";

export interface Problem {
  id: string;
  problem: string;
  /** The reference answer (reference-guided mode), or null. */
  reference: string | null;
  /** 0-based record index and 1-based line in the problems file. */
  record: number;
  line: number;
}

export interface ProblemFields {
  /** Field (dotted path) with the id; default `id`, else the record index. */
  id?: string;
  /** Field (dotted path) with the problem text; default the dataset readers' (question, problem, prompt). */
  problem?: string;
  /** Field (dotted path) with the reference answer (reference-guided mode). */
  reference?: string;
}

export interface ReadProblemsOptions {
  fields?: ProblemFields;
  shard?: Shard;
  signal?: AbortSignal;
  /** A record that was skipped, with why (`error.format()` gives `file:line: …`). */
  onBadRecord?: (error: StepLensError) => void;
  /** Refuse (skip, through onBadRecord) a record with invalid UTF-8 instead of warning. */
  strict?: boolean;
  /** Invalid UTF-8 in a record, at file:line (bad bytes read as U+FFFD). */
  onWarning?: (warning: StepLensError) => void;
}

/** A problem from a field value: a string, or a chat prompt (its last user turn, as verl/SPARK store prompts). */
function problemText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() ? value : null;
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      const m = value[i];
      if (isObject(m) && m.role === "user") return messageText(m.content);
    }
  }
  return null;
}

/** A reference answer from a field value: a string or number, or the first of a list of them. */
function referenceText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() ? value : null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && value.length) return referenceText(value[0]);
  return null;
}

function idText(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

interface Extracted {
  id: string;
  problem: string;
  reference: string | null;
}

function badRecord(file: string, line: number, record: number, message: string, hint: string): StepLensError {
  return new StepLensError(`record ${record}: ${message}`, { file, line, hint, code: "bad-record" });
}

function extract(value: unknown, format: Exclude<TraceFormat, "text">, fields: ProblemFields, file: string, record: number, line: number): Extracted {
  if (!isObject(value)) throw badRecord(file, line, record, "is not a JSON object", "Each line must be a JSON object with the problem text.");
  const obj = value as JsonObject;
  let problem: string | null = null;
  let id: string | null = fields.id ? idText(getPath(obj, fields.id)) : null;
  if (fields.id && id === null)
    throw badRecord(
      file,
      line,
      record,
      `has no id in field '${fields.id}' (a string or number)`,
      "Give every record an id, or drop --id-field to use record indices.",
    );
  if (fields.problem) {
    problem = problemText(getPath(obj, fields.problem));
    if (problem === null)
      throw badRecord(file, line, record, `has no problem text in field '${fields.problem}'`, "Fix the record or name the right field with --problem-field.");
  } else if (format !== "jsonl") {
    // A dataset format StepLens reads: its own reader finds the problem and id (steps and labels are ignored).
    const trace = recordReader(format)(obj, { file, record, line });
    problem = trace.problem;
    id ??= trace.source.id ?? null;
  } else {
    for (const name of DEFAULT_JSONL_FIELDS.problem) {
      problem = problemText(getPath(obj, name));
      if (problem !== null) break;
    }
    if (problem === null) {
      const messages = getPath(obj, "messages");
      if (Array.isArray(messages)) problem = problemText(messages.filter((m) => !isObject(m) || m.role !== "assistant"));
    }
    if (problem === null)
      throw badRecord(
        file,
        line,
        record,
        `has no problem text (looked for ${DEFAULT_JSONL_FIELDS.problem.join(", ")})`,
        "Name the field with --problem-field.",
      );
  }
  if (id === null) {
    for (const name of DEFAULT_JSONL_FIELDS.id) {
      id = idText(getPath(obj, name));
      if (id !== null) break;
    }
  }
  const reference = fields.reference ? referenceText(getPath(obj, fields.reference)) : null;
  return { id: id ?? String(record), problem, reference };
}

/** Streams the problems of `file` (this shard's only), skipping and reporting bad records. */
export async function* readProblems(file: string, options: ReadProblemsOptions = {}): AsyncGenerator<Problem> {
  const detected = await detectFormat(file, { signal: options.signal });
  if (detected.format === "text")
    throw new StepLensError("the problems file is not JSONL or a JSON list", {
      file,
      hint: 'Give one JSON object per line, e.g. {"id": "p1", "problem": "What is 2+3?"}, or a dataset StepLens reads (ProcessBench, PRM800K, Math-Shepherd, JSONL).',
    });
  const container = detected.container ?? "jsonl";
  const format = detected.format;
  const fields = options.fields ?? {};
  const shard = options.shard ?? { index: 0, count: 1 };
  const seen = new Map<string, number>();
  const bad = (e: unknown, line: number, record: number) => {
    const error =
      e instanceof StepLensError
        ? e
        : badRecord(file, line, record, `could not be read: ${(e as Error)?.message ?? String(e)}`, "Fix the record or remove it.");
    options.onBadRecord?.(error);
  };
  for await (const raw of readRawRecords(file, container, { signal: options.signal })) {
    throwIfAborted(options.signal);
    if (raw.invalidUtf8) {
      const { line, offset, byte } = raw.invalidUtf8;
      const e = invalidUtf8Error(file, line, offset, byte, options.strict, `record ${raw.index}`);
      if (options.strict) {
        bad(e, line, raw.index);
        continue;
      }
      options.onWarning?.(e);
    }
    let p: Extracted;
    try {
      p = extract(parseRecord(raw, file, container), format, fields, file, raw.index, raw.line);
    } catch (e) {
      bad(e, raw.line, raw.index);
      continue;
    }
    const first = seen.get(p.id);
    if (first !== undefined) {
      bad(
        badRecord(
          file,
          raw.line,
          raw.index,
          `repeats the id '${p.id}' of line ${first}`,
          "Ids must be unique (they name the output records); this record is skipped.",
        ),
        raw.line,
        raw.index,
      );
      continue;
    }
    seen.set(p.id, raw.line);
    if (shardOf(p.id, shard.count) !== shard.index) continue;
    yield { ...p, record: raw.index, line: raw.line };
  }
}
