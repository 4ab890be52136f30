/**
 * The metric from a predictions file, with no model: `eval processbench --predictions FILE`.
 * Items without a prediction count as wrong (and are counted); predictions whose id is not in the
 * data are reported; bad lines are reported with their line numbers and skipped.
 */
import type { RunOptions } from "../core/progress";
import { type BadRecord, readProcessBench, type SubsetFile } from "./processbenchData";
import { ProcessBenchAccumulator, type ProcessBenchMetrics } from "./processbenchMetric";
import { type LineProblem, readPredictions } from "./predictions";

export interface PredictionsEvaluation {
  metrics: ProcessBenchMetrics;
  /** Lines of the predictions file that were skipped. */
  problems: LineProblem[];
  duplicates: string[];
  tornLine: number | null;
  /** Predictions whose id is in none of the evaluated items: count and the first few. */
  unknown: number;
  unknownIds: string[];
  badRecords: BadRecord[];
  /** Ids that occur more than once in the data (their predictions cannot be told apart). */
  duplicateDataIds: string[];
}

export async function evaluatePredictions(
  files: readonly SubsetFile[],
  predictionsFile: string,
  opts: RunOptions & { limit?: number } = {},
): Promise<PredictionsEvaluation> {
  const read = await readPredictions(predictionsFile, { signal: opts.signal });
  const acc = new ProcessBenchAccumulator();
  const seen = new Set<string>();
  const duplicateDataIds: string[] = [];
  const badRecords: BadRecord[] = [];
  let n = 0;
  for await (const item of readProcessBench(files, { limit: opts.limit, signal: opts.signal, onBadRecord: (b) => badRecords.push(b) })) {
    if (seen.has(item.id)) duplicateDataIds.push(item.id);
    seen.add(item.id);
    acc.add(item, read.predictions.get(item.id));
    if ((++n & 255) === 0) opts.onProgress?.({ done: n, message: `${n} items` });
  }
  const unknownAll = [...read.predictions.keys()].filter((id) => !seen.has(id));
  opts.onProgress?.({ done: n, total: n, message: "done" });
  return {
    metrics: acc.result(),
    problems: read.problems,
    duplicates: read.duplicates,
    tornLine: read.tornLine,
    unknown: unknownAll.length,
    unknownIds: unknownAll.slice(0, 20),
    badRecords,
    duplicateDataIds,
  };
}
