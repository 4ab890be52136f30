/**
 * Runs a scorer over ProcessBench and computes the metric. Resumable:
 * - `<out>` is locked for the run (`.steplens-lock`, src/core/folderLock.ts): a second run on the same
 *   folder is refused with the pid and command of the first, so no id is written twice;
 * - `<out>/run.json` records the scorer's settings (written atomically); resuming with different ones
 *   is refused; a damaged one never forces deleting finished results (see loadRunConfig);
 * - `<out>/raw.jsonl` is append-only, one whole line per finished item
 *   (`{"id", "subset", ...scorer record}`); it is read back on start, a torn last line (killed mid-write)
 *   is cut off, and finished items are not computed again;
 * - at the end `<out>/predictions.jsonl` (`{"id", "prediction"}`, the `--predictions` format) and
 *   `<out>/metrics.json` are written whole.
 * An item whose scoring fails (e.g. longer than the context) is reported and retried on the next run;
 * meanwhile it counts as having no prediction. Progress counts items; an AbortSignal stops the run
 * after the items in flight are abandoned (nothing half-written).
 */
import fs from "node:fs";
import path from "node:path";
import { CancelledError, errorMessage, StepLensError, throwIfAborted } from "../core/errors";
import { acquireFolderLock } from "../core/folderLock";
import { readFileSafe, writeFileAtomic } from "../core/safeFs";
import type { RunOptions } from "../core/progress";
import { type BadRecord, type BenchItem, readProcessBench, type SubsetFile } from "./processbenchData";
import { ProcessBenchAccumulator, type ProcessBenchMetrics } from "./processbenchMetric";
import { JsonlAppender, readJsonlLines, repairTornTail, writePredictionsFile } from "./predictions";
import type { ItemScorer, ScoreRecord } from "./scorers";
import { firstBelow, tuneThreshold, type TunedThreshold } from "./thresholdTuning";

export interface RunnerOptions extends RunOptions {
  files: readonly SubsetFile[];
  /** At most this many items per subset. */
  limit?: number;
  outDir: string;
  scorer: ItemScorer;
  /** prm: fixed threshold (default 0.5) … */
  threshold?: number;
  /** … or tuned on this subset (e.g. "gsm8k"), which is then scored too even when not reported. */
  tuneOn?: string;
  /** Items scored at the same time (default 1; raise it for endpoints). */
  concurrency?: number;
  /** Subsets to report (default: every subset in `files`). */
  report?: readonly string[];
}

export interface RunnerResult {
  metrics: ProcessBenchMetrics;
  predictionsFile: string;
  rawFile: string;
  /** Items scored in this run / found already done in raw.jsonl. */
  computed: number;
  resumed: number;
  /** Items whose scoring failed in this run (no prediction; retried next time). */
  failures: { id: string; message: string; where?: string }[];
  /** Items whose scorer decided nothing (no prediction). */
  undecided: number;
  badRecords: BadRecord[];
  /** Bytes of a torn last line cut from raw.jsonl. */
  tornBytes: number;
  threshold: { value: number; tunedOn: string | null; tuning: TunedThreshold | null } | null;
}

type RawLine = { id: string; subset: string } & ScoreRecord;

function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks `run.json` against the settings, or writes it (atomically) for a new run. A damaged run.json
 * never costs the finished items: with no results yet it is simply rewritten; with results, the error
 * says how to resume without deleting them (move run.json aside: it is then written afresh from the
 * settings given, and raw.jsonl is resumed).
 */
function loadRunConfig(outDir: string, config: Record<string, unknown>, rawFile: string): void {
  const file = path.join(outDir, "run.json");
  const text = readFileSafe(file, outDir);
  if (text !== null) {
    let saved: unknown;
    let damage: string | null = null;
    try {
      const parsed = JSON.parse(text) as { config?: unknown };
      if (typeof parsed !== "object" || parsed === null || !("config" in parsed)) damage = "it has no 'config'";
      else saved = parsed.config;
    } catch (e) {
      damage = (e as Error).message;
    }
    if (damage !== null) {
      const finished = countLines(rawFile);
      if (finished === 0) {
        writeRunJson(file, outDir, config); // nothing finished yet: nothing to protect
        return;
      }
      throw new StepLensError(`run.json is damaged (${damage}); the ${finished} finished item${finished === 1 ? "" : "s"} in raw.jsonl are kept`, {
        file,
        code: "run-json-damaged",
        hint: `To resume with the settings you gave now, move it aside (mv '${file}' '${file}.damaged') and rerun: a new run.json is written and raw.jsonl is resumed. Only do so if these are the settings the run used; otherwise use another --out.`,
      });
    }
    if (!sameConfig(saved, config))
      throw new StepLensError(`this folder holds a run with other settings (${JSON.stringify(saved)}; now ${JSON.stringify(config)})`, {
        file,
        hint: "Use another --out folder, or delete this one to start over.",
      });
    return;
  }
  writeRunJson(file, outDir, config);
}

function writeRunJson(file: string, outDir: string, config: Record<string, unknown>): void {
  writeFileAtomic(file, outDir, JSON.stringify({ config, created: new Date().toISOString() }, null, 2) + "\n");
}

/** Non-empty lines of a file (0 when missing). */
function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "").length;
}

async function readDone(rawFile: string, signal?: AbortSignal): Promise<Map<string, RawLine>> {
  const done = new Map<string, RawLine>();
  if (!fs.existsSync(rawFile)) return done;
  for await (const l of readJsonlLines(rawFile, { signal })) {
    if ("error" in l)
      throw new StepLensError(`line ${l.line} is damaged: ${l.error}`, {
        file: rawFile,
        line: l.line,
        hint: "Delete that line (the item is then computed again) and rerun.",
      });
    const v = l.value as RawLine;
    if (typeof v?.id === "string") done.set(v.id, v);
  }
  return done;
}

function predictionOf(rec: RawLine | undefined, threshold: number | null): number | null {
  if (!rec) return null;
  if ("scores" in rec) return firstBelow(rec.scores, threshold ?? 0.5);
  return rec.prediction;
}

export async function runProcessBench(opts: RunnerOptions): Promise<RunnerResult> {
  const { outDir } = opts;
  // One run per folder: a second one (same --out) is refused, naming the process that holds it.
  const lock = acquireFolderLock(outDir, { command: "steplens eval processbench" });
  try {
    return await runLocked(opts);
  } finally {
    lock.release();
  }
}

async function runLocked(opts: RunnerOptions): Promise<RunnerResult> {
  const { scorer, outDir } = opts;
  const rawFile = path.join(outDir, "raw.jsonl");
  loadRunConfig(outDir, scorer.config, rawFile);
  const tornBytes = repairTornTail(rawFile);
  const done = await readDone(rawFile, opts.signal);
  const resumedIds = new Set(done.keys());

  const badRecords: BadRecord[] = [];
  const items: BenchItem[] = [];
  for await (const item of readProcessBench(opts.files, { limit: opts.limit, signal: opts.signal, onBadRecord: (b) => badRecords.push(b) })) items.push(item);

  const todo = items.filter((it) => !done.has(it.id));
  const total = items.length;
  let finished = total - todo.length;
  const resumed = items.filter((it) => resumedIds.has(it.id)).length;
  const failures: RunnerResult["failures"] = [];
  opts.onProgress?.({ done: finished, total, message: resumed ? `${resumed} items already done` : "scoring" });

  const writer = new JsonlAppender(rawFile);
  let computed = 0;
  try {
    // One iterator shared by the workers: each takes the next item; an array iterator has no return(),
    // so a worker that stops (cancelled) does not close it for the others.
    const queue = todo.values();
    const worker = async () => {
      for (const item of queue) {
        throwIfAborted(opts.signal);
        try {
          const rec = await scorer.score(item.trace, { signal: opts.signal });
          throwIfAborted(opts.signal);
          const line = { id: item.id, subset: item.subset, ...rec } as RawLine;
          writer.append(line);
          done.set(item.id, line);
          computed++;
        } catch (e) {
          if (e instanceof CancelledError || opts.signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
          const src = item.trace.source;
          failures.push({
            id: item.id,
            message: errorMessage(e),
            ...(src.file ? { where: `${src.file}${src.line !== undefined ? `:${src.line}` : ""}` } : {}),
          });
        }
        finished++;
        opts.onProgress?.({ done: finished, total, message: `${item.subset} ${item.id}` });
      }
    };
    const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 1, todo.length || 1)) }, worker);
    const results = await Promise.allSettled(workers);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    writer.dispose();
  }

  // Threshold for a scalar PRM: fixed, or tuned on one subset.
  let threshold: RunnerResult["threshold"] = null;
  if (scorer.name === "prm") {
    if (opts.tuneOn) {
      const tuneItems = items
        .filter((it) => it.subset === opts.tuneOn)
        .map((it) => ({ label: it.label, rec: done.get(it.id) }))
        .filter((x): x is { label: number; rec: RawLine & { scores: number[] } } => x.rec !== undefined && "scores" in x.rec)
        .map((x) => ({ label: x.label, scores: x.rec.scores }));
      if (!tuneItems.length)
        throw new StepLensError(`no scored ${opts.tuneOn} items to tune the threshold on`, {
          hint: `Include ${opts.tuneOn} in --data/--subset, or give --threshold.`,
        });
      if (!tuneItems.some((x) => x.label === -1) || !tuneItems.some((x) => x.label !== -1))
        throw new StepLensError(`tuning the threshold needs ${opts.tuneOn} items both with and without an error (F1 needs both accuracies)`, {
          hint: "Raise or drop --limit, or give --threshold.",
        });
      const tuning = tuneThreshold(tuneItems);
      threshold = { value: tuning.threshold, tunedOn: opts.tuneOn, tuning };
    } else threshold = { value: opts.threshold ?? 0.5, tunedOn: null, tuning: null };
  }

  const report = new Set(opts.report ?? opts.files.map((f) => f.subset));
  const acc = new ProcessBenchAccumulator();
  const predictions: [string, number][] = [];
  let undecided = 0;
  for (const it of items) {
    const rec = done.get(it.id);
    const p = predictionOf(rec, threshold?.value ?? null);
    if (rec && p === null) undecided++;
    if (p !== null) predictions.push([it.id, p]);
    if (report.has(it.subset)) acc.add(it, p);
  }
  const predictionsFile = path.join(outDir, "predictions.jsonl");
  writePredictionsFile(predictionsFile, predictions);
  const metrics = acc.result();
  writeFileAtomic(
    path.join(outDir, "metrics.json"),
    outDir,
    JSON.stringify({ scorer: scorer.config, threshold, metrics, computed, resumed, failures: failures.length, undecided }, null, 2) + "\n",
  );
  opts.onProgress?.({ done: total, total, message: "done" });
  return { metrics, predictionsFile, rawFile, computed, resumed, failures, undecided, badRecords, tornBytes, threshold };
}
