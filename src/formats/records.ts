/**
 * The one way to read traces from a file, whatever its format: `readTraces(file, options)` yields one
 * result per record, streamed (memory stays bounded by the largest record). A bad record (invalid JSON,
 * missing field, wrong type) comes back as `{ok: false, error}` naming the file and line, and the
 * records after it still come. A text trace (Markdown / plain text) is one record; a binary file is
 * refused as `{ok: false}` and invalid UTF-8 is reported through `onWarning` (./decodeText.ts).
 */
import fs from "node:fs";
import { StepLensError, throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Trace, TraceFormat } from "../core/trace";
import type { RecordContext } from "./datasetFields";
import { decodeTraceText, invalidUtf8Error } from "./decodeText";
import { type DetectedFormat, type FormatChoice, detectFormat } from "./detect";
import { type DatasetContainer, type RawRecord, readRawRecords } from "./jsonStream";
import { type JsonlFieldNames, jsonlTrace } from "./jsonl";
import { mathShepherdTrace } from "./mathShepherd";
import { type Prm800kNeutral, prm800kTrace } from "./prm800k";
import { processBenchTrace } from "./processbench";
import { segmentText } from "./text";

export interface ReadTracesOptions extends RunOptions {
  /** Default "auto" (see ./detect.ts). */
  format?: FormatChoice;
  /** Field names for generic JSONL (see ./jsonl.ts). */
  fields?: JsonlFieldNames;
  /** Math-Shepherd step tag (default `ки`). */
  stepTag?: string;
  /** PRM800K: how a rating of 0 (neutral) is read (default "unlabelled"; see ./prm800k.ts). */
  prm800kNeutral?: Prm800kNeutral;
  /** Skip detection: the result of an earlier detectFormat call. */
  detected?: DetectedFormat;
  /** Read-chunk size in bytes (tests use tiny ones). */
  highWaterMark?: number;
  /** Refuse invalid UTF-8 instead of warning: a text trace as a whole, a dataset record by record (see ./decodeText.ts). */
  strict?: boolean;
  /** Problems that do not stop reading: invalid UTF-8, at the file:line of the first bad byte (of the file, or of each dataset record). */
  onWarning?: (warning: StepLensError) => void;
}

export type TraceRecordResult = { ok: true; trace: Trace; record: number; line: number } | { ok: false; error: StepLensError; record: number; line: number };

/** Turns one parsed record into a trace, or throws a StepLensError naming file, line and field. */
export type RecordReader = (value: unknown, ctx: RecordContext) => Trace;

/** The record reader of a dataset format (exported for other streaming readers, e.g. a dataset index). */
export function recordReader(
  format: Exclude<TraceFormat, "text">,
  options: Pick<ReadTracesOptions, "stepTag" | "fields" | "prm800kNeutral"> = {},
): RecordReader {
  switch (format) {
    case "processbench":
      return processBenchTrace;
    case "prm800k":
      return (value, ctx) => prm800kTrace(value, ctx, { neutral: options.prm800kNeutral });
    case "math-shepherd":
      return (value, ctx) => mathShepherdTrace(value, ctx, { stepTag: options.stepTag });
    case "jsonl":
      return (value, ctx) => jsonlTrace(value, ctx, options.fields);
  }
}

/** `JSON.parse` of one raw record, with an error that names the file and the line (inside a multi-line element too). */
export function parseRecord(raw: RawRecord, file: string, container: DatasetContainer): unknown {
  const hint =
    container === "jsonl"
      ? "Fix the JSON on this line (a JSONL file holds one JSON object per line) or delete the line; the other records are still read."
      : "Fix this element of the JSON list or remove it; the other records are still read.";
  if (raw.text === "")
    throw new StepLensError(`record ${raw.index} is empty (a stray comma in the JSON list?).`, { file, line: raw.line, hint, code: "bad-json" });
  try {
    return JSON.parse(raw.text);
  } catch (e) {
    const message = (e as Error).message;
    let line = raw.line;
    let detail = message;
    const at = /at position (\d+)/.exec(message);
    if (at) {
      const position = Number(at[1]);
      const before = raw.text.slice(0, position);
      const newlines = before.split("\n").length - 1;
      line += newlines;
      const column = position - (before.lastIndexOf("\n") + 1) + 1;
      detail = `${message.replace(/\s*\(line \d+ column \d+\)/, "")} (column ${column})`;
    }
    throw new StepLensError(`record ${raw.index} is not valid JSON: ${detail}.`, { file, line, hint, code: "bad-json" });
  }
}

async function* readTextTrace(file: string, options: ReadTracesOptions): AsyncGenerator<TraceRecordResult> {
  throwIfAborted(options.signal);
  let raw: string;
  try {
    // A binary file is refused, invalid UTF-8 is a warning (an error under `strict`): ./decodeText.ts.
    const decoded = decodeTraceText(await fs.promises.readFile(file), file, { strict: options.strict });
    for (const w of decoded.warnings) options.onWarning?.(w);
    raw = decoded.text;
  } catch (e) {
    if (!(e instanceof StepLensError)) throw e;
    yield { ok: false, error: e, record: 0, line: e.details.line ?? 1 };
    return;
  }
  // VS Code drops a UTF-8 byte-order mark from the document text: do the same, so ranges match the editor's.
  const source = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  try {
    const trace = segmentText(source, { file, withRanges: true });
    trace.source = { ...trace.source, file, record: 0, line: 1 };
    yield { ok: true, trace, record: 0, line: 1 };
  } catch (e) {
    if (!(e instanceof StepLensError)) throw e;
    yield { ok: false, error: e, record: 0, line: e.details.line ?? 1 };
  }
  options.onProgress?.({ done: 1, total: 1, message: "1 trace" });
}

async function* readDataset(file: string, detected: DetectedFormat, options: ReadTracesOptions): AsyncGenerator<TraceRecordResult> {
  const container = detected.container ?? "jsonl";
  const read = recordReader(detected.format as Exclude<TraceFormat, "text">, options);
  const total = (await fs.promises.stat(file)).size;
  let stream: fs.ReadStream | undefined;
  let next = 0;
  let lastLine = 1;
  const report = () => options.onProgress?.({ done: stream?.bytesRead ?? 0, total, message: `${next} records` });
  try {
    for await (const raw of readRawRecords(file, container, { signal: options.signal, highWaterMark: options.highWaterMark, onStream: (s) => (stream = s) })) {
      throwIfAborted(options.signal);
      next = raw.index + 1;
      lastLine = raw.line;
      let result: TraceRecordResult;
      if (raw.invalidUtf8) {
        // As for a text trace: a warning at file:line (bad bytes read as U+FFFD); under `strict` this record is refused.
        const bad = invalidUtf8Error(file, raw.invalidUtf8.line, raw.invalidUtf8.offset, raw.invalidUtf8.byte, options.strict, `record ${raw.index}`);
        if (options.strict) {
          yield { ok: false, error: bad, record: raw.index, line: raw.invalidUtf8.line };
          continue;
        }
        options.onWarning?.(bad);
      }
      try {
        const value = parseRecord(raw, file, container);
        result = { ok: true, trace: read(value, { file, record: raw.index, line: raw.line }), record: raw.index, line: raw.line };
      } catch (e) {
        const error =
          e instanceof StepLensError
            ? e
            : new StepLensError(`record ${raw.index} could not be read: ${(e as Error)?.message ?? String(e)}.`, {
                file,
                line: raw.line,
                hint: "This is a bug in StepLens, not in your data: please report it with this record. The other records are still read.",
                code: "internal",
              });
        result = { ok: false, error, record: raw.index, line: error.details.line ?? raw.line };
      }
      yield result;
      if ((next & 255) === 0) report();
    }
  } catch (e) {
    // The container itself is broken (a JSON list never closed, text after it): no later record can be found.
    if (!(e instanceof StepLensError)) throw e; // cancellation and I/O errors end the run
    yield { ok: false, error: e, record: next, line: e.details.line ?? lastLine };
    return;
  }
  report();
}

/** Streams the traces of `file`, one result per record; see the module comment. */
export async function* readTraces(file: string, options: ReadTracesOptions = {}): AsyncGenerator<TraceRecordResult> {
  const detected = options.detected ?? (await detectFormat(file, { format: options.format, stepTag: options.stepTag, signal: options.signal }));
  if (detected.format === "text") yield* readTextTrace(file, options);
  else yield* readDataset(file, detected, options);
}
