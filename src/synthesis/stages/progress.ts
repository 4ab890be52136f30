/**
 * The progress of a synthesis run: its totals at the start (from the first pass and the records
 * already in the folder) and a reporter that hands a copy to `onProgress` at most every 100 ms
 * (always when forced: the first and the last report). No `vscode` import.
 */
import type { FolderState } from "../outputFolder";
import type { SynthesisProgress } from "../synthesisOptions";

/** Least time between two unforced reports. */
export const REPORT_INTERVAL_MS = 100;

/** Progress before the work: N solutions and N·K verifications per problem; what is on disk counts as done. */
export function initialProgress(
  state: FolderState,
  counted: { problemsTotal: number; labelsDoneAtStart: number },
  solutions: number,
  verifications: number,
): SynthesisProgress {
  const { problemsTotal, labelsDoneAtStart } = counted;
  const N = solutions;
  const K = verifications;
  return {
    problems: { done: 0, total: problemsTotal },
    solutions: { done: Math.min(state.solutions.size, problemsTotal * N), total: problemsTotal * N },
    verifications: { done: Math.min(state.verifications.size, problemsTotal * N * K), total: problemsTotal * N * K },
    labels: { done: labelsDoneAtStart, total: problemsTotal * N },
    failures: state.failed.size,
    written: 0,
  };
}

/** Hands copies of `progress` to `onProgress`, at most one per REPORT_INTERVAL_MS of `clock` unless forced. */
export class ProgressReporter {
  private last = 0;

  constructor(
    readonly progress: SynthesisProgress,
    private readonly onProgress: ((p: SynthesisProgress) => void) | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  report(force = false): void {
    const t = this.clock();
    if (!force && t - this.last < REPORT_INTERVAL_MS) return;
    this.last = t;
    this.onProgress?.({ ...this.progress });
  }
}
