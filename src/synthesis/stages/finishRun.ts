/**
 * The end of a synthesis run: the counts of the folder (records on disk, standing failures per
 * stage), the run's status (complete only when nothing is left to do), the manifest written with
 * them, and the summary handed back. No `vscode` import.
 */
import type { FolderState } from "../outputFolder";
import { writeManifest } from "../outputFolder";
import type { Counts, FailureStage, Manifest } from "../records";
import type { SynthesisSummary } from "../synthesisOptions";

/** The folder's counts: records on disk and standing failures per stage. */
export function countsOf(state: FolderState, problemsTotal: number, skipped: number): Counts {
  const failed: Record<FailureStage, number> = { solution: 0, verification: 0, label: 0, unverifiable: 0 };
  for (const f of state.failed.values()) failed[f.stage]++;
  return {
    problems: problemsTotal,
    skippedProblems: skipped,
    solutions: state.solutions.size,
    verifications: state.verifications.size,
    labels: state.labels.size,
    failed,
  };
}

/**
 * The status of a run that ended without an error: interrupted, complete (no failure standing but
 * unverifiable solutions, and every other solution labelled), or incomplete.
 */
export function endStatus(interrupted: boolean, counts: Counts, standingFailures: number, solutionsTotal: number): Manifest["status"] {
  if (interrupted) return "interrupted";
  const standing = standingFailures - counts.failed.unverifiable;
  const expectedLabels = solutionsTotal - counts.failed.unverifiable;
  return standing === 0 && counts.labels >= expectedLabels ? "complete" : "incomplete";
}

/** Writes the manifest of a run that ended with `status` (its last run entry closed at `now`). */
export function finishManifest(outDir: string, manifest: Manifest, status: Manifest["status"], counts: Counts, now: () => string): void {
  manifest.status = status;
  manifest.updated = now();
  manifest.counts = counts;
  const last = manifest.runs.at(-1); // this run's entry, added when it started
  if (last) manifest.runs[manifest.runs.length - 1] = { ...last, ended: now(), status };
  writeManifest(outDir, manifest);
}

/** The failures a summary shows: standing ones (a few, with their errors) and unverifiable solutions, apart. */
export function failureSummary(state: FolderState, counts: Counts): Pick<SynthesisSummary, "failures" | "unverifiable"> {
  const failedList = [...state.failed.values()];
  const examples = failedList
    .filter((f) => f.stage !== "unverifiable")
    .slice(0, 5)
    .map((f) => ({ target: f.target, stage: f.stage, error: f.error }));
  const unverifiableList = failedList.filter((f) => f.stage === "unverifiable");
  return {
    failures: { total: state.failed.size - counts.failed.unverifiable, byStage: counts.failed, examples },
    unverifiable: { total: unverifiableList.length, examples: unverifiableList.slice(0, 5).map((f) => ({ target: f.target, error: f.error })) },
  };
}
