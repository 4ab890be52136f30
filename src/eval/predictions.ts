/**
 * Prediction files: JSONL, one `{"id": "...", "prediction": <int>}` per line (extra fields are
 * allowed and ignored). Read streaming; bad lines are reported with their line number and skipped.
 * Also the append-only writer the evaluation runner resumes from: a line is written whole, and a
 * torn last line (the process was killed mid-write) is cut off before appending again.
 */
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { StepLensError, throwIfAborted } from "../core/errors";
import * as v from "valibot";
import { writeJsonlFile } from "../core/jsonlFile";
import { checkWritePath, openAppendSafe } from "../core/safeFs";

export interface LineProblem {
  line: number;
  message: string;
}

export type JsonlLine = { line: number; value: unknown } | { line: number; error: string };

/** Each line of a JSONL file, parsed (blank lines skipped). A torn last line (no newline, not JSON) is reported through `onTorn`. */
export async function* readJsonlLines(
  file: string,
  opts: { signal?: AbortSignal; onTorn?: (line: number, text: string) => void } = {},
): AsyncGenerator<JsonlLine> {
  let endsWithNewline = true;
  try {
    const size = fs.statSync(file).size;
    if (size > 0) {
      const fd = fs.openSync(file, "r");
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, size - 1);
      fs.closeSync(fd);
      endsWithNewline = b[0] === 0x0a;
    }
  } catch (e) {
    throw new StepLensError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file, hint: "Check the path." });
  }
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  let pending: JsonlLine | null = null;
  let pendingText = "";
  try {
    for await (const text of rl) {
      throwIfAborted(opts.signal);
      line++;
      if (pending) yield pending;
      pending = null;
      if (!text.trim()) continue;
      pendingText = text;
      try {
        pending = { line, value: JSON.parse(text) };
      } catch (e) {
        pending = { line, error: `not valid JSON (${(e as Error).message})` };
      }
    }
  } finally {
    rl.close();
  }
  if (pending) {
    if (!endsWithNewline && "error" in pending) opts.onTorn?.(pending.line, pendingText);
    else yield pending;
  }
}

export interface PredictionsRead {
  predictions: Map<string, number>;
  /** Lines that were skipped, with why. */
  problems: LineProblem[];
  /** Ids given more than once (the last line wins). */
  duplicates: string[];
  /** Line number of a torn last line that was ignored, if any. */
  tornLine: number | null;
}

const notInteger = (issue: v.BaseIssue<unknown>) => `"prediction" must be an integer (got ${JSON.stringify(issue.input)})`;
/** A prediction value: an integer ≥ -1. */
const PredictionSchema = v.pipe(
  v.number(notInteger),
  v.integer(notInteger),
  v.minValue(-1, (issue) => `"prediction" must be -1 (no error) or a 0-based step index (got ${String(issue.input)})`),
);
/** One line of a predictions file (extra fields are ignored); a numeric id is read as its text. */
const PredictionLineSchema = v.object(
  {
    id: v.pipe(v.union([v.string(), v.pipe(v.number(), v.transform(String))], 'no "id" string'), v.nonEmpty('no "id" string')),
    prediction: PredictionSchema,
  },
  // The object's own message also answers for a missing key: say which.
  (issue) => {
    const key = issue.path?.[0]?.key;
    return key === "id" ? 'no "id" string' : key === "prediction" ? notInteger(issue) : 'not an object; expected {"id": "...", "prediction": <int>}';
  },
);
export type PredictionLine = v.InferOutput<typeof PredictionLineSchema>;

/** Why `v` is not a prediction value (an integer ≥ -1); null when it is one. */
export function checkPrediction(value: unknown): string | null {
  const r = v.safeParse(PredictionSchema, value, { abortEarly: true });
  return r.success ? null : r.issues[0].message;
}

/** A predictions-file line as its id and prediction, or why it is not one. */
export function parsePredictionLine(value: unknown): PredictionLine | { problem: string } {
  if (Array.isArray(value)) return { problem: 'not an object; expected {"id": "...", "prediction": <int>}' };
  const r = v.safeParse(PredictionLineSchema, value, { abortEarly: true });
  return r.success ? r.output : { problem: r.issues[0].message };
}

export async function readPredictions(file: string, opts: { signal?: AbortSignal } = {}): Promise<PredictionsRead> {
  const predictions = new Map<string, number>();
  const problems: LineProblem[] = [];
  const duplicates: string[] = [];
  let tornLine: number | null = null;
  for await (const l of readJsonlLines(file, { signal: opts.signal, onTorn: (line) => (tornLine = line) })) {
    if ("error" in l) {
      problems.push({ line: l.line, message: l.error });
      continue;
    }
    const p = parsePredictionLine(l.value);
    if ("problem" in p) {
      problems.push({ line: l.line, message: p.problem });
      continue;
    }
    if (predictions.has(p.id)) duplicates.push(p.id);
    predictions.set(p.id, p.prediction);
  }
  return { predictions, problems, duplicates, tornLine };
}

/**
 * Cuts a torn last line (no trailing newline) off a file that is about to be appended to.
 * Returns the number of bytes removed (0 when the file is whole or absent).
 */
export function repairTornTail(file: string): number {
  checkWritePath(file, path.dirname(path.resolve(file))); // never truncate through a link
  if (!fs.existsSync(file)) return 0;
  const size = fs.statSync(file).size;
  if (size === 0) return 0;
  const fd = fs.openSync(file, "r+");
  try {
    const chunk = 64 * 1024;
    let end = size;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return 0;
    // Find the last newline, reading backwards.
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const i = buf.lastIndexOf(0x0a);
      if (i >= 0) {
        fs.ftruncateSync(fd, start + i + 1);
        return size - (start + i + 1);
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

/** Append-only JSONL writer: each record is one `write` of one whole line (never through a link: src/core/safeFs.ts). */
export class JsonlAppender {
  private fd: number | null;

  constructor(readonly file: string) {
    this.fd = openAppendSafe(file, path.dirname(path.resolve(file)));
  }

  append(record: object): void {
    if (this.fd === null) throw new Error(`${this.file}: writer is closed`);
    fs.writeSync(this.fd, JSON.stringify(record) + "\n");
  }

  dispose(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Writes a whole predictions file (replacing it): one {"id", "prediction"} line per entry. */
export function writePredictionsFile(file: string, entries: Iterable<[string, number]>): number {
  // Atomic (temp + fsync + rename), never through a link: src/core/jsonlFile.ts.
  function* lines() {
    for (const [id, prediction] of entries) yield { id, prediction };
  }
  return writeJsonlFile(file, path.dirname(path.resolve(file)), lines());
}
