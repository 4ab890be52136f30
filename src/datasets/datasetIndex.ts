/**
 * A lazy index of a large dataset file (JSONL or a JSON list) for the StepLens tree view. No `vscode`
 * import.
 *
 * One streaming pass over the bytes records, per record, where it lies (byte offset and length), the
 * line it starts on, its id, its step count and its ground-truth first error, in compact typed arrays
 * (ids in joined string blocks), not one object per record: 100k records cost a few MB. A record's full
 * trace is read on demand from its offset. Predictions and scores can be attached later (by id or
 * record), and filters (mismatches only, ground-truth label, score range) run over the arrays; the tree
 * shows the filtered records in pages.
 *
 * Records are parsed with the same per-format readers as `readTraces` (src/formats), so ids, labels
 * and errors match the CLI. A bad record is kept in the index (flagged, with its error naming file and
 * line) so the tree can show it; nothing else is lost. A broken container (a JSON list never closed)
 * stops the pass with the records found so far and one error.
 */
import fs from "node:fs";
import { CancelledError, StepLensError, throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Trace } from "../core/trace";
import type { RecordContext } from "../formats/datasetFields";
import { type DetectedFormat, type FormatChoice, detectFormat } from "../formats/detect";
import type { DatasetContainer } from "../formats/jsonStream";
import { createRecordScanner, type OnRecord } from "../formats/jsonScanner";
import type { JsonlFieldNames } from "../formats/jsonl";
import { type RecordReader, parseRecord, recordReader } from "../formats/records";
import { fnv1aUtf16 } from "../core/fnv1a";
import { LruCache } from "../core/lruCache";
import { growColumn } from "../core/typedArrays";

/** Ground truth codes stored in `groundTruth` (values ≥ -1 are the first error itself). */
export const NO_LABELS = -2;
export const BAD_RECORD = -3;
/** Stored in `predictions` when a record has none. */
const NO_PREDICTION = -2147483648;

const ID_BLOCK = 1024;
/** Errors kept for bad records (the rest are counted and flagged, not kept). */
const MAX_KEPT_ERRORS = 1000;

export interface DatasetIndexOptions extends RunOptions {
  format?: FormatChoice;
  detected?: DetectedFormat;
  stepTag?: string;
  fields?: JsonlFieldNames;
  /** Read-chunk size in bytes (tests use tiny ones to cross chunk boundaries). */
  highWaterMark?: number;
  /** Reads each record instead of the format's reader (e.g. a synthesis folder's solutions with their labels). */
  reader?: RecordReader;
}

/** What the tree shows for one record. */
export interface RecordSummary {
  record: number;
  id: string;
  /** 1-based line where the record starts. */
  line: number;
  steps: number;
  /** Dataset first error (-1: all correct), null when the record has no labels or is bad. */
  groundTruth: number | null;
  prediction: number | null;
  /** prediction === groundTruth, null when either is missing. */
  agreement: boolean | null;
  score: number | null;
  /** The record could not be read; `error` says why. */
  bad: boolean;
  error?: StepLensError;
}

export interface DatasetFilter {
  /** Only records with a prediction that differs from the ground truth. */
  mismatchesOnly?: boolean;
  /** Ground truth: "correct" (-1), "error" (any first error), or an exact first-error index. */
  label?: "correct" | "error" | number;
  /** Only records whose score lies in [min, max] (records without a score are left out). */
  scoreRange?: { min: number; max: number };
  /** Leave out records that could not be read (default: they are shown). */
  hideBad?: boolean;
}

export interface DatasetPage {
  items: RecordSummary[];
  /** Records matching the filter. */
  total: number;
  page: number;
  pages: number;
}

export interface AttachResult {
  /** Values attached to a record. */
  matched: number;
  /** Ids (first 20) that matched no record, and how many there were. */
  unknownIds: string[];
  unknownCount: number;
}

/** Column storage while building; trimmed to size at the end. */
class Columns {
  count = 0;
  offsets: Float64Array = new Float64Array(1024);
  lengths: Uint32Array = new Uint32Array(1024);
  lines: Uint32Array = new Uint32Array(1024);
  steps: Uint32Array = new Uint32Array(1024);
  groundTruth: Int32Array = new Int32Array(1024);
  /** End of each id inside its block (the start is the previous record's end, or 0 at a block start). */
  idEnds: Uint32Array = new Uint32Array(1024);
  idBlocks: string[] = [];
  private pendingIds: string[] = [];
  private blockLength = 0;

  push(offset: number, length: number, line: number, steps: number, groundTruth: number, id: string): void {
    const i = this.count;
    if (i === this.offsets.length) {
      const n = i * 2;
      this.offsets = growColumn(this.offsets, n);
      this.lengths = growColumn(this.lengths, n);
      this.lines = growColumn(this.lines, n);
      this.steps = growColumn(this.steps, n);
      this.groundTruth = growColumn(this.groundTruth, n);
      this.idEnds = growColumn(this.idEnds, n);
    }
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.lines[i] = line;
    this.steps[i] = steps;
    this.groundTruth[i] = groundTruth;
    this.blockLength += id.length;
    this.idEnds[i] = this.blockLength;
    this.pendingIds.push(id);
    this.count++;
    if (this.count % ID_BLOCK === 0) this.flushIds();
  }

  flushIds(): void {
    if (this.pendingIds.length === 0) return;
    // join() makes one flat string: the 1024 small id strings can be collected.
    this.idBlocks.push(this.pendingIds.join(""));
    this.pendingIds = [];
    this.blockLength = 0;
  }
}

export interface IndexStats {
  records: number;
  badRecords: number;
  bytes: number;
  seconds: number;
  duplicateIds: number;
}

export class DatasetIndex {
  private predictions: Int32Array;
  private scores: Float64Array;
  private idTable: Int32Array | null = null;
  private filterCache = new LruCache<string, Uint32Array>(16);
  /** A folder of subsets (DatasetIndex.concat): each file's own index and its first record here; null for one file. */
  private parts: { start: number; index: DatasetIndex }[] | null = null;
  /** Bumped whenever predictions or scores change (invalidates filter results). */
  private version = 0;

  /** An index over the first `columns.count` records the pass collected (the arrays trimmed to that length). */
  private static fromColumns(
    file: string,
    detected: DetectedFormat,
    reader: RecordReader,
    columns: Columns,
    errors: Map<number, StepLensError>,
    containerError: StepLensError | null,
    fileStamp: { size: number; mtimeMs: number },
    stats: IndexStats,
  ): DatasetIndex {
    const n = columns.count;
    return new DatasetIndex(
      file,
      detected,
      reader,
      columns.offsets.slice(0, n),
      columns.lengths.slice(0, n),
      columns.lines.slice(0, n),
      columns.steps.slice(0, n),
      columns.groundTruth.slice(0, n),
      columns.idEnds.slice(0, n),
      columns.idBlocks,
      errors,
      containerError,
      fileStamp,
      stats,
    );
  }

  private constructor(
    readonly file: string,
    readonly detected: DetectedFormat,
    private readonly reader: RecordReader,
    private readonly offsets: Float64Array,
    private readonly lengths: Uint32Array,
    private readonly lines: Uint32Array,
    private readonly stepCounts: Uint32Array,
    private readonly groundTruth: Int32Array,
    private readonly idEnds: Uint32Array,
    private readonly idBlocks: string[],
    /** Errors of bad records, by record. */
    private readonly errors: Map<number, StepLensError>,
    /** An error that stopped the pass early (a broken JSON list), if any. */
    readonly containerError: StepLensError | null,
    private readonly fileStamp: { size: number; mtimeMs: number },
    readonly stats: IndexStats,
  ) {
    this.predictions = new Int32Array(offsets.length).fill(NO_PREDICTION);
    this.scores = new Float64Array(offsets.length).fill(Number.NaN);
  }

  /** Indexes `file` in one streaming pass (cancellable; progress in bytes). */
  static async build(file: string, options: DatasetIndexOptions = {}): Promise<DatasetIndex> {
    const t0 = performance.now();
    const detected = options.detected ?? (await detectFormat(file, { format: options.format, stepTag: options.stepTag, signal: options.signal }));
    if (detected.format === "text")
      throw new StepLensError("not a dataset: this file reads as a single text trace.", {
        file,
        hint: "Open it as a trace document, or give a .json/.jsonl dataset (or pass the format explicitly).",
        code: "not-a-dataset",
      });
    const reader = options.reader ?? recordReader(detected.format, options);
    const container = detected.container ?? "jsonl";
    const stat = await fs.promises.stat(file);
    const columns = new Columns();
    const errors = new Map<number, StepLensError>();
    let badRecords = 0;

    const onRecord = (bytes: Buffer, offset: number, line: number): void => {
      const record = columns.count;
      const ctx: RecordContext = { file, record, line };
      let steps = 0;
      let truth = BAD_RECORD;
      let id = String(record);
      try {
        const trace = reader(parseJson(bytes, ctx, container), ctx);
        steps = trace.steps.length;
        truth = trace.labels ? trace.labels.firstError : NO_LABELS;
        id = trace.source.id ?? id;
      } catch (e) {
        if (!(e instanceof StepLensError)) throw e;
        badRecords++;
        if (errors.size < MAX_KEPT_ERRORS) errors.set(record, e);
      }
      columns.push(offset, bytes.length, line, steps, truth, id);
    };

    let containerError: StepLensError | null = null;
    try {
      await scanRecords(file, container, onRecord, { ...options, total: stat.size });
    } catch (e) {
      if (!(e instanceof StepLensError) || e instanceof CancelledError) throw e;
      containerError = e;
    }
    columns.flushIds();
    const n = columns.count;
    const index = DatasetIndex.fromColumns(
      file,
      detected,
      reader,
      columns,
      errors,
      containerError,
      { size: stat.size, mtimeMs: stat.mtimeMs },
      {
        records: n,
        badRecords,
        bytes: stat.size,
        seconds: (performance.now() - t0) / 1000,
        duplicateIds: 0,
      },
    );
    return index;
  }

  /**
   * One index over several files, as one dataset named `file` (a folder of subsets: ProcessBench's
   * gsm8k/math/olympiadbench/omnimath files). Records follow the parts' order; a record is read
   * from its own file by its own part; errors keep naming their file and line.
   */
  static concat(file: string, parts: readonly DatasetIndex[]): DatasetIndex {
    const [first] = parts;
    if (!first)
      throw new StepLensError("no dataset file in this folder.", {
        file,
        hint: "Give a folder holding .json / .jsonl dataset files (ProcessBench's subsets), or one dataset file.",
        code: "not-a-dataset",
      });
    const columns = new Columns();
    const errors = new Map<number, StepLensError>();
    const partStarts: { start: number; index: DatasetIndex }[] = [];
    let containerError: StepLensError | null = null;
    const stats: IndexStats = { records: 0, badRecords: 0, bytes: 0, seconds: 0, duplicateIds: 0 };
    for (const p of parts) {
      const start = columns.count;
      partStarts.push({ start, index: p });
      for (const [r, e] of p.errors) if (errors.size < MAX_KEPT_ERRORS) errors.set(start + r, e);
      for (let r = 0; r < p.size; r++) {
        const offset = p.offsets[r];
        const length = p.lengths[r];
        const line = p.lines[r];
        const steps = p.stepCounts[r];
        const truth = p.groundTruth[r];
        if (offset === undefined || length === undefined || line === undefined || steps === undefined || truth === undefined)
          throw new Error(`internal: record ${r} of ${p.file} is missing from its index's columns (they are all ${p.size} long)`);
        columns.push(offset, length, line, steps, truth, p.id(r));
      }
      containerError ??= p.containerError;
      stats.badRecords += p.stats.badRecords;
      stats.bytes += p.stats.bytes;
      stats.seconds += p.stats.seconds;
    }
    columns.flushIds();
    const n = columns.count;
    stats.records = n;
    const merged = DatasetIndex.fromColumns(file, first.detected, first.reader, columns, errors, containerError, { size: stats.bytes, mtimeMs: 0 }, stats);
    merged.parts = partStarts;
    return merged;
  }

  /** The files the records come from (one, or each part's for a folder of subsets). */
  get files(): string[] {
    return this.parts ? this.parts.map((p) => p.index.file) : [this.file];
  }

  get size(): number {
    return this.offsets.length;
  }

  id(record: number): string {
    this.check(record);
    const block = this.idBlocks[Math.floor(record / ID_BLOCK)];
    const start = record % ID_BLOCK === 0 ? 0 : this.idEnds[record - 1];
    const end = this.idEnds[record];
    if (block === undefined || start === undefined || end === undefined) throw new Error(`internal: record ${record} has no id in the index's id columns`);
    return block.slice(start, end);
  }

  /** The record with this id (the first, when ids repeat), or -1. */
  recordOf(id: string): number {
    return this.ids().get(id) ?? -1;
  }

  summary(record: number): RecordSummary {
    this.check(record);
    const gt = this.groundTruth[record];
    const p = this.predictions[record];
    const s = this.scores[record];
    const line = this.lines[record];
    const steps = this.stepCounts[record];
    // check() keeps the record inside 0..size-1, and every column is `size` long.
    if (gt === undefined || p === undefined || s === undefined || line === undefined || steps === undefined)
      throw new Error(`internal: record ${record} is missing from the index's columns`);
    const groundTruth = gt >= -1 ? gt : null;
    const prediction = p === NO_PREDICTION ? null : p;
    const error = this.errors.get(record);
    return {
      record,
      id: this.id(record),
      line,
      steps,
      groundTruth,
      prediction,
      agreement: groundTruth === null || prediction === null ? null : groundTruth === prediction,
      score: Number.isNaN(s) ? null : s,
      bad: gt === BAD_RECORD,
      ...(error ? { error } : {}),
    };
  }

  /** Errors of the records that could not be read, in record order (and the container error last). */
  problems(): StepLensError[] {
    const out = [...this.errors.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
    if (this.containerError) out.push(this.containerError);
    return out;
  }

  /** Reads one record's full trace from its offset. Fails if the file changed since it was indexed. */
  async loadTrace(record: number): Promise<Trace> {
    this.check(record);
    if (this.parts) {
      // The last part starting at or before the record (the first part starts at 0).
      let p: { start: number; index: DatasetIndex } | undefined;
      for (const q of this.parts) if (q.start <= record) p = q;
      if (p === undefined) throw new Error(`internal: record ${record} lies in no part of ${this.file}`);
      return p.index.loadTrace(record - p.start);
    }
    const stat = await fs.promises.stat(this.file);
    if (stat.size !== this.fileStamp.size || stat.mtimeMs !== this.fileStamp.mtimeMs)
      throw new StepLensError("the dataset changed since it was indexed.", {
        file: this.file,
        hint: "Refresh the dataset view to index it again.",
        code: "stale-index",
      });
    const handle = await fs.promises.open(this.file, "r");
    try {
      const length = this.lengths[record];
      const offset = this.offsets[record];
      const line = this.lines[record];
      if (length === undefined || offset === undefined || line === undefined) throw new Error(`internal: record ${record} is missing from the index's columns`);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      const ctx: RecordContext = { file: this.file, record, line };
      return this.reader(parseJson(buffer.subarray(0, bytesRead), ctx, this.detected.container ?? "jsonl"), ctx);
    } finally {
      await handle.close();
    }
  }

  /** Attaches predicted first errors by record id (e.g. from a predictions JSONL). */
  setPredictionsById(entries: Iterable<{ id: string; prediction: number }>): AttachResult {
    return this.attach(entries, (r, e) => {
      this.predictions[r] = e.prediction;
    });
  }

  setPrediction(record: number, prediction: number | null): void {
    this.check(record);
    this.predictions[record] = prediction === null ? NO_PREDICTION : prediction;
    this.changed();
  }

  /** Attaches a score per record id (what "score" means is the caller's: e.g. the lowest step score). */
  setScoresById(entries: Iterable<{ id: string; score: number }>): AttachResult {
    return this.attach(entries, (r, e) => {
      this.scores[r] = e.score;
    });
  }

  setScore(record: number, score: number | null): void {
    this.check(record);
    this.scores[record] = score === null ? Number.NaN : score;
    this.changed();
  }

  clearPredictions(): void {
    this.predictions.fill(NO_PREDICTION);
    this.changed();
  }

  clearScores(): void {
    this.scores.fill(Number.NaN);
    this.changed();
  }

  /** Record indices matching `filter`, in file order (cached until predictions or scores change). */
  filter(filter: DatasetFilter = {}): Uint32Array {
    const key = `${this.version}:${JSON.stringify(filter)}`;
    const cached = this.filterCache.get(key);
    if (cached) return cached;
    const n = this.size;
    const out = new Uint32Array(n);
    let k = 0;
    const { mismatchesOnly, label, scoreRange, hideBad } = filter;
    const groundTruth = this.groundTruth;
    const predictions = this.predictions;
    const scores = this.scores;
    const anyFilter = mismatchesOnly || label !== undefined || scoreRange !== undefined;
    const min = scoreRange?.min ?? 0;
    const max = scoreRange?.max ?? 0;
    // Every column is n (= this.size) long.
    for (let r = 0; r < groundTruth.length; r++) {
      const gt = groundTruth[r]!;
      if (gt === BAD_RECORD) {
        if (!hideBad && !anyFilter) out[k++] = r;
        continue;
      }
      if (mismatchesOnly) {
        const p = predictions[r];
        if (p === NO_PREDICTION || gt === NO_LABELS || p === gt) continue;
      }
      if (label !== undefined) {
        if (gt === NO_LABELS) continue;
        if (label === "correct" ? gt !== -1 : label === "error" ? gt < 0 : gt !== label) continue;
      }
      if (scoreRange) {
        const v = scores[r] ?? Number.NaN;
        if (!(v >= min && v <= max)) continue; // NaN (no score) fails both
      }
      out[k++] = r;
    }
    const result = out.slice(0, k);
    this.filterCache.set(key, result);
    return result;
  }

  /** One page of the filtered records (pages of `pageSize`, default 200; `page` is 0-based). */
  page(filter: DatasetFilter = {}, page = 0, pageSize = 200): DatasetPage {
    const matching = this.filter(filter);
    const pages = Math.max(1, Math.ceil(matching.length / pageSize));
    const items: RecordSummary[] = [];
    const start = page * pageSize;
    for (let i = start; i < Math.min(matching.length, start + pageSize); i++) {
      const record = matching[i];
      // A negative or fractional page (or page size) reads outside the matches: summary() refused it with a RangeError.
      if (record === undefined)
        throw new RangeError(`page ${page} of ${pageSize} records reads match ${i}, which is not an index of the ${matching.length} matches`);
      items.push(this.summary(record));
    }
    return { items, total: matching.length, page, pages };
  }

  /** Agreement counts over records with both a prediction and a ground truth. */
  agreement(): { compared: number; agree: number } {
    let compared = 0;
    let agree = 0;
    const groundTruth = this.groundTruth;
    const predictions = this.predictions;
    for (let r = 0; r < groundTruth.length; r++) {
      const gt = groundTruth[r]!;
      const p = predictions[r];
      if (gt < -1 || p === NO_PREDICTION) continue;
      compared++;
      if (gt === p) agree++;
    }
    return { compared, agree };
  }

  /** Approximate bytes held by the index (typed arrays, id blocks, and the id table once built). */
  memoryBytes(): number {
    const arrays = [
      this.offsets,
      this.lengths,
      this.lines,
      this.stepCounts,
      this.groundTruth,
      this.idEnds,
      this.predictions,
      this.scores,
      ...(this.idTable ? [this.idTable] : []),
    ];
    return arrays.reduce((s, a) => s + a.byteLength, 0) + this.idBlocks.reduce((s, b) => s + b.length * 2, 0);
  }

  private attach<E extends { id: string }>(entries: Iterable<E>, set: (record: number, entry: E) => void): AttachResult {
    const ids = this.ids();
    let matched = 0;
    let unknownCount = 0;
    const unknownIds: string[] = [];
    for (const e of entries) {
      const r = ids.get(e.id);
      if (r === undefined) {
        unknownCount++;
        if (unknownIds.length < 20) unknownIds.push(e.id);
        continue;
      }
      set(r, e);
      matched++;
    }
    this.changed();
    return { matched, unknownIds, unknownCount };
  }

  /**
   * id → first record, as an open-addressing hash table in one Int32Array (built on first use): about
   * 8 bytes per record instead of a Map entry and a string each.
   */
  private ids(): { get(id: string): number | undefined } {
    if (!this.idTable) {
      const size = 1 << Math.max(4, Math.ceil(Math.log2(this.size * 2 + 1)));
      const table = new Int32Array(size).fill(-1);
      const mask = size - 1;
      let duplicates = 0;
      for (let r = 0; r < this.size; r++) {
        const id = this.id(r);
        for (let slot = fnv1aUtf16(id) & mask; ; slot = (slot + 1) & mask) {
          const there = table[slot]!; // slot = … & mask, and the table is mask + 1 long
          if (there === -1) {
            table[slot] = r;
            break;
          }
          if (this.id(there) === id) {
            duplicates++;
            break;
          }
        }
      }
      this.stats.duplicateIds = duplicates;
      this.idTable = table;
    }
    const table = this.idTable;
    const mask = table.length - 1;
    return {
      get: (id: string) => {
        for (let slot = fnv1aUtf16(id) & mask; ; slot = (slot + 1) & mask) {
          const r = table[slot]!; // slot = … & mask, and the table is mask + 1 long
          if (r === -1) return undefined;
          if (this.id(r) === id) return r;
        }
      },
    };
  }

  private changed(): void {
    this.version++;
    this.filterCache.clear();
  }

  private check(record: number): void {
    if (!Number.isInteger(record) || record < 0 || record >= this.size) throw new RangeError(`record ${record} is outside 0..${this.size - 1}`);
  }
}

/** JSON.parse of one record's bytes, with the same error (file, line, column) as the streaming readers give. */
function parseJson(bytes: Buffer, ctx: RecordContext, container: DatasetContainer): unknown {
  return parseRecord({ index: ctx.record, line: ctx.line, text: bytes.toString("utf8") }, ctx.file, container);
}

/** Streams `file` through the shared byte scanner (src/formats/jsonScanner.ts), with progress. */
async function scanRecords(file: string, container: DatasetContainer, onRecord: OnRecord, options: DatasetIndexOptions & { total: number }): Promise<void> {
  const stream = fs.createReadStream(file, { highWaterMark: options.highWaterMark ?? 1 << 16 });
  const scanner = createRecordScanner(container, onRecord, file);
  let done = 0;
  let lastReport = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(options.signal);
      scanner.push(chunk);
      done += chunk.length;
      if (options.onProgress && (done - lastReport >= 1 << 22 || done === options.total)) {
        lastReport = done;
        options.onProgress({ done, total: options.total, message: `${scanner.records} records` });
      }
    }
    scanner.end();
  } finally {
    stream.destroy();
  }
}
