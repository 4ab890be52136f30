/**
 * `steplens eval processbench --predictions <file>`: ProcessBench's metric from a JSONL file of
 * predictions, with no model. Bad lines, a torn last line, duplicate and unknown ids are reported on
 * stderr; an item with no prediction counts as wrong.
 */
import { processBenchFiles } from "../../eval/processbenchData";
import { evaluatePredictions } from "../../eval/scorePredictions";
import { type CliIo, UsageError } from "../command";
import { progressPrinter, safeText } from "../flags";
import type { EvalFlags, EvalRun } from "./evalFlags";
import { noteBadRecords, printMetrics } from "./evalReport";

/** The predictions mode; resolves with the exit code. */
export async function evalFromPredictions(v: EvalFlags & { predictions: string }, io: CliIo, { subsets, limit, json, given }: EvalRun): Promise<number> {
  for (const f of ["scorer", "threshold", "tune-threshold", "model", "endpoint", "out", "prm"] as const)
    if (given.has(f)) throw new UsageError(`--predictions computes the metric from the file: --${f} does not apply`);
  const files = processBenchFiles(v.data, subsets);
  const progress = progressPrinter(io, "reading");
  const r = await evaluatePredictions(files, v.predictions, { limit, signal: io.signal, onProgress: (p) => progress.update(p) });
  progress.done();
  noteBadRecords(io, r.badRecords);
  for (const p of r.problems.slice(0, 10)) io.stderr.write(`${v.predictions}:${p.line}: ${p.message}; line skipped\n`);
  if (r.problems.length > 10) io.stderr.write(`${v.predictions}: … and ${r.problems.length - 10} more bad lines\n`);
  if (r.tornLine !== null) io.stderr.write(`${v.predictions}:${r.tornLine}: the last line is cut off (no newline, not JSON); ignored\n`);
  const [firstDuplicate] = r.duplicates;
  if (firstDuplicate !== undefined)
    io.stderr.write(
      `${v.predictions}: ${r.duplicates.length} ids appear more than once; the last prediction of each was used (e.g. ${safeText(firstDuplicate)})\n`,
    );
  if (r.metrics.missing)
    io.stderr.write(
      `note: ${r.metrics.missing} of the evaluated items have no prediction and count as wrong (e.g. ${r.metrics.missingIds.slice(0, 5).map(safeText).join(", ")})\n`,
    );
  if (r.unknown)
    io.stderr.write(`note: ${r.unknown} predictions have ids outside the evaluated items (e.g. ${r.unknownIds.slice(0, 5).map(safeText).join(", ")})\n`);
  if (r.duplicateDataIds.length) io.stderr.write(`note: ${r.duplicateDataIds.length} ids repeat in the data; their predictions cannot be told apart\n`);
  printMetrics(io, r.metrics, json);
  return r.badRecords.length || r.problems.length ? 1 : 0;
}
