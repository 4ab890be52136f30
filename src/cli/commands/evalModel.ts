/**
 * `steplens eval processbench --scorer prm|verify|critic`: runs a scorer over the data with a model
 * (resumable through --out), then reports ProcessBench's metric.
 */
import path from "node:path";
import { processBenchFiles } from "../../eval/processbenchData";
import { runProcessBench } from "../../eval/processbenchRunner";
import { criticScorer, prmScorer, verifyScorer, type ItemScorer } from "../../eval/scorers";
import { type CliIo, UsageError } from "../command";
import { demoLabel, engineConfig, progressPrinter, safeText } from "../flags";
import type { EvalFlags, EvalRun } from "./evalFlags";
import { noteBadRecords, printMetrics } from "./evalReport";
import { verifyOptionsFromFlags, type EngineFactory } from "./verify";

/** The model mode; resolves with the exit code. */
export async function evalWithModel(v: EvalFlags, io: CliIo, makeEngine: EngineFactory, { subsets, limit, json, given }: EvalRun): Promise<number> {
  const scorerName = v.scorer;
  const threshold = given.has("threshold") ? v.threshold : undefined;
  const tuneOn = v["tune-threshold"];
  if (scorerName !== "prm" && (threshold !== undefined || tuneOn)) throw new UsageError("--threshold and --tune-threshold apply to --scorer prm only");
  if (threshold !== undefined && tuneOn) throw new UsageError("give --threshold or --tune-threshold, not both");
  const concurrency = v.concurrency;
  const files = processBenchFiles(v.data, subsets);
  const report = files.map((f) => f.subset);
  let runFiles = files;
  if (tuneOn && !report.includes(tuneOn)) {
    runFiles = [...processBenchFiles(v.data, [tuneOn]), ...files];
    io.stderr.write(`note: ${tuneOn} is scored to tune the threshold, but not reported\n`);
  }
  if (scorerName !== "critic" && (v["critic-index"] !== undefined || v["critic-vote"] !== undefined))
    throw new UsageError("--critic-index and --critic-vote apply to --scorer critic only");
  const verifyOpts = scorerName === "prm" ? null : verifyOptionsFromFlags(v);
  const samples = scorerName === "critic" ? (given.has("samples") ? verifyOpts!.samples : 8) : verifyOpts?.samples;
  const role = scorerName === "prm" ? "prm" : "verifier";
  const config = engineConfig(v, [role], io.env, { samples });
  if (v.prm) config.prm.adapter = v.prm;
  const modelName = v.endpoint ? `${v.endpoint} ${v["api-model"] ?? ""}`.trim() : config.models[role];
  const demo = demoLabel(config.models[role]);
  const outDir = path.resolve(v.out ?? `steplens-eval-${scorerName}`);
  const engine = await makeEngine(config, io, role);
  let scorer: ItemScorer;
  try {
    if (scorerName === "prm") scorer = prmScorer(engine, `${modelName}${v.prm ? ` (${v.prm})` : ""}`);
    else {
      const vo = verifyOpts!;
      if (scorerName === "verify") scorer = verifyScorer(engine, { ...vo, model: modelName });
      else
        scorer = criticScorer(engine, {
          ...vo,
          template: given.has("template") ? vo.template : undefined,
          samples,
          temperature: given.has("temperature") ? vo.temperature : undefined,
          topP: given.has("top-p") ? vo.topP : undefined,
          criticIndex: v["critic-index"],
          tieRule: v["critic-vote"],
          model: modelName,
        });
    }
  } catch (e) {
    await engine.dispose();
    throw e;
  }
  const progress = progressPrinter(io, `eval processbench (${scorerName})`);
  try {
    const r = await runProcessBench({
      files: runFiles,
      report,
      limit,
      outDir,
      scorer,
      threshold,
      tuneOn,
      concurrency,
      signal: io.signal,
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    noteBadRecords(io, r.badRecords);
    if (r.tornBytes) io.stderr.write(`note: ${r.rawFile}: a torn last line (${r.tornBytes} bytes) was cut off; that item was computed again\n`);
    io.stderr.write(`${r.computed} items scored, ${r.resumed} already done; predictions: ${r.predictionsFile}\n`);
    for (const f of r.failures.slice(0, 10)) io.stderr.write(`${f.where ? `${safeText(f.where)}: ` : ""}record ${safeText(f.id)}: ${f.message}\n`);
    if (r.failures.length) io.stderr.write(`${r.failures.length} items failed (no prediction, counted as wrong); rerun to retry them\n`);
    if (r.undecided) io.stderr.write(`note: ${r.undecided} items got no prediction (every verification malformed); counted as wrong\n`);
    if (r.threshold?.tuning)
      io.stderr.write(
        `threshold ${r.threshold.value.toFixed(4)} tuned on ${r.threshold.tunedOn} (F1 there ${r.threshold.tuning.f1.toFixed(1)}, ${r.threshold.tuning.candidates} candidates), applied to every subset\n`,
      );
    else if (r.threshold) io.stderr.write(`threshold ${r.threshold.value}\n`);
    printMetrics(io, r.metrics, json, demo);
    return r.failures.length || r.badRecords.length ? 1 : 0;
  } finally {
    progress.done();
    await engine.dispose();
  }
}
