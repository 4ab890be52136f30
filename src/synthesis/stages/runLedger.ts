/**
 * The records a synthesis run writes and what it knows about them: the four append-only record
 * files, the folder state (ids on disk, pending solutions and verifications, standing failures),
 * the records written by this run, and the progress. Every record goes through one method here that
 * appends it, notes it in the state and counts it, so the files, the state and the progress never
 * disagree. A label is appended only after the verifications it counts are synced. No `vscode` import.
 */
import path from "node:path";
import { AppendOnlyJsonl, type FsyncPolicy } from "../../core/appendOnlyJsonl";
import type { FolderState } from "../outputFolder";
import type { Problem } from "../problems";
import { FILES, type FailureRecord, type FailureStage, type LabelRecord, type SolutionRecord, type VerificationRecord } from "../records";
import type { ProgressReporter } from "./progress";

export interface RecordWriters {
  solutions: AppendOnlyJsonl;
  verifications: AppendOnlyJsonl;
  labels: AppendOnlyJsonl;
  failures: AppendOnlyJsonl;
}

/** Opens the four record files of `outDir` for appending; each writer is also pushed to `opened` (closed by the caller). */
export function openRecordWriters(outDir: string, fsync: FsyncPolicy, opened: AppendOnlyJsonl[]): RecordWriters {
  const open = (name: string) => {
    const w = new AppendOnlyJsonl(path.join(outDir, name), outDir, { fsync });
    opened.push(w);
    return w;
  };
  return { solutions: open(FILES.solutions), verifications: open(FILES.verifications), labels: open(FILES.labels), failures: open(FILES.failures) };
}

export interface LedgerInputs {
  out: RecordWriters;
  state: FolderState;
  reporter: ProgressReporter;
  /** This run's number (failure ids are `target@run`). */
  runNo: number;
  /** Verifications per solution (K). */
  verifications: number;
  /** --retry-failed: failed targets are done again. */
  retryFailed: boolean;
  now: () => string;
}

export class RunLedger {
  /** Records written by this run, per file. */
  readonly written = { solutions: 0, verifications: 0, labels: 0, failures: 0 };
  readonly out: RecordWriters;
  readonly state: FolderState;
  private readonly thisRunFailures: FailureRecord[] = [];

  constructor(private readonly i: LedgerInputs) {
    this.out = i.out;
    this.state = i.state;
  }

  get progress() {
    return this.i.reporter.progress;
  }

  report(force = false): void {
    this.i.reporter.report(force);
  }

  /** True for a target that failed before and is left alone (no --retry-failed). */
  skipFailed(target: string): boolean {
    return this.state.failed.has(target) && !this.i.retryFailed;
  }

  fail(stage: FailureStage, target: string, problemId: string, error: string): void {
    const runNo = this.i.runNo;
    const rec: FailureRecord = { id: `${target}@${runNo}`, target, stage, problemId, run: runNo, error, at: this.i.now() };
    this.out.failures.append(rec);
    this.state.failed.set(target, rec);
    this.thisRunFailures.push(rec);
    this.written.failures++;
    this.progress.failures++;
    this.report();
  }

  /** Records once that a solution cannot be verified (not once per verification). */
  unverifiable(p: Problem, sol: SolutionRecord, reason: string): void {
    if (this.thisRunFailures.some((f) => f.target === sol.id && f.stage === "unverifiable")) return;
    this.fail("unverifiable", sol.id, p.id, reason);
    this.leaveOut(sol.id);
  }

  /** Takes a solution that will not be labelled out of the totals: its missing verifications and its label. */
  leaveOut(solutionId: string): void {
    this.progress.verifications.total -= this.i.verifications - (this.state.pendingVerifications.get(solutionId)?.length ?? 0);
    this.progress.labels.total--;
  }

  /** Appends a record to its file, notes its id as on disk (and no longer failed), and counts it. */
  private write(kind: "solutions" | "verifications" | "labels", rec: { id: string }): void {
    this.out[kind].append(rec);
    this.state[kind].add(rec.id);
    this.state.failed.delete(rec.id);
    this.written[kind]++;
    this.progress[kind].done++;
    this.progress.written++;
  }

  solution(rec: SolutionRecord): void {
    this.write("solutions", rec);
    if (!rec.steps.length) this.progress.verifications.total -= this.i.verifications; // nothing to verify
    this.report();
  }

  /** Appends one verification (the caller reports after a group of them). */
  verification(rec: VerificationRecord): void {
    this.write("verifications", rec);
  }

  label(rec: LabelRecord): void {
    this.out.verifications.sync(); // a label is never on disk without the verifications it counts
    this.write("labels", rec);
    this.report();
  }

  /** Makes every record written so far durable. */
  syncAll(): void {
    for (const w of Object.values(this.out)) w.sync();
  }
}
