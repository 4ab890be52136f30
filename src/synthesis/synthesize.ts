/**
 * SPARK's stage I as a resumable, crash-safe pipeline (docs/synthesis.md):
 *   problems → generator (N step-numbered solutions each) → segmenter (the editor's) →
 *   verifier (K verifications each, through src/verify/verifyPipeline.ts) → labels (the three
 *   self-consistency rules, the chosen one drives them; optional meta-critique) → append-only files.
 *
 * The stages (src/synthesis/stages/, CONTRIBUTING.md lists them with their inputs and outputs):
 *   openRunFolder → countProblems → (per window of problems: processProblem = generateSolutions →
 *   verifySolution, sized by tokenBudget → labelSolution, all records through runLedger) → finishRun.
 *
 * Crash safety: the folder is locked (src/core/folderLock.ts); every record is one whole line appended
 * once (src/core/appendOnlyJsonl.ts); a record's prerequisites are fsynced before it is written (so
 * even a power loss never leaves a label without its verifications); on resume torn last lines are cut
 * off and only missing records are computed, with the seeds they would have had (sample s of a problem
 * uses seed + s; verification v of sample s uses seed + s·K + v).
 *
 * Failed calls are retried (the engine pool moves them to another endpoint), then recorded in
 * failures.jsonl, never dropped; a resumed run leaves them alone unless `retryFailed`. Problems are
 * streamed (two passes: a count, then the work), so memory does not grow with the problem count.
 * No `vscode` import.
 */
import path from "node:path";
import type { AppendOnlyJsonl } from "../core/appendOnlyJsonl";
import { CancelledError } from "../core/errors";
import { acquireFolderLock } from "../core/folderLock";
import { ensureDir } from "../core/safeFs";
import { readProblems } from "./problems";
import { constrainedCharsOf, settingsOf, type SynthesisOptions, type SynthesisSummary } from "./synthesisOptions";
import { countProblems } from "./stages/countProblems";
import { countsOf, endStatus, failureSummary, finishManifest } from "./stages/finishRun";
import { openRunFolder } from "./stages/openRunFolder";
import { processProblem, type ProblemWork } from "./stages/problemWork";
import { forEachWindow } from "./stages/problemWindows";
import { initialProgress, ProgressReporter } from "./stages/progress";
import { openRecordWriters, RunLedger } from "./stages/runLedger";
import { TokenBudget } from "./stages/tokenBudget";

export { constrainedCharsOf, settingsOf, type SynthesisOptions, type SynthesisProgress, type SynthesisSummary } from "./synthesisOptions";
export { countProblems } from "./stages/countProblems";
export { openRunFolder, type RunFolder } from "./stages/openRunFolder";

export async function synthesize(o: SynthesisOptions): Promise<SynthesisSummary> {
  const t0 = performance.now();
  const outDir = path.resolve(o.outDir);
  ensureDir(outDir, outDir);
  const lock = acquireFolderLock(outDir, { command: o.command });
  const writers: AppendOnlyJsonl[] = [];
  try {
    return await run(o, outDir, t0, lock.tookOver !== null, writers);
  } finally {
    for (const w of writers) {
      try {
        w.close();
      } catch {
        // closing is best effort; the records are whole lines already
      }
    }
    lock.release();
  }
}

/** The stages in order; `writers` collects the record files opened (synthesize closes them). */
async function run(o: SynthesisOptions, outDir: string, t0: number, tookOverLock: boolean, writers: AppendOnlyJsonl[]): Promise<SynthesisSummary> {
  const settings = settingsOf(o);
  const signal = o.signal;
  const now = () => new Date().toISOString();

  // 1. The folder: a new run, or the one to resume (same settings).
  const { saved, state, manifest, runNo } = await openRunFolder(o, outDir, settings, now);
  const out = openRecordWriters(outDir, o.fsync ?? "interval", writers);

  // 2. First pass over the problems: how many (for progress), and the bad records, reported once.
  const counted = await countProblems(o, state);
  const { problemsTotal, skipped } = counted;
  const reporter = new ProgressReporter(initialProgress(state, counted, o.solutions, o.verifications), o.onProgress);
  reporter.report(true);
  const ledger = new RunLedger({ out, state, reporter, runNo, verifications: o.verifications, retryFailed: Boolean(o.retryFailed), now });

  const models = {
    generator: o.generator.info().models.generator || o.models.generator[0] || "",
    verifier: o.verifier.info().models.verifier || o.models.verifier[0] || "",
  };
  const constrainedChars = constrainedCharsOf(o.constrained);
  const budget = new TokenBudget({ generator: o.generator, verifier: o.verifier, template: o.template, maxTokens: o.maxTokens, constrainedChars, signal });
  const work: ProblemWork = { o, ledger, budget, constrainedChars, models };

  // 3. Second pass: the work, streamed, in windows of `concurrency` problems (problemWindows.ts says why).
  let status: SynthesisSummary["status"] = "complete";
  const iterator = readProblems(o.problemsFile, { fields: o.fields, shard: o.shard, signal, strict: o.strict })[Symbol.asyncIterator]();
  try {
    await forEachWindow(iterator, { window: Math.max(1, o.concurrency ?? 2), limit: o.limit, signal }, async (p) => {
      await processProblem(work, p);
      reporter.progress.problems.done++;
      reporter.report();
    });
  } catch (e) {
    if (!(e instanceof CancelledError) && !signal?.aborted) {
      ledger.syncAll();
      finishManifest(outDir, manifest, "failed", countsOf(state, problemsTotal, skipped), now);
      throw e;
    }
    status = "interrupted";
  } finally {
    await iterator.return?.(undefined);
  }
  reporter.report(true);

  // 4. The end: counts, status and manifest, the summary.
  const c = countsOf(state, problemsTotal, skipped);
  ledger.syncAll();
  finishManifest(
    outDir,
    manifest,
    endStatus(status === "interrupted", c, state.failed.size, problemsTotal * o.solutions),
    countsOf(state, problemsTotal, skipped),
    now,
  );
  return {
    status,
    outDir,
    counts: c,
    written: ledger.written,
    ...failureSummary(state, c),
    generationLimit: budget.generationLimit,
    tornBytes: Object.values(state.torn).reduce((a, b) => a + b, 0),
    resumed: saved !== null,
    tookOverLock,
    seconds: (performance.now() - t0) / 1000,
  };
}
