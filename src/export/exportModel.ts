/**
 * What every export format is built from: labelled solutions, grouped by problem. Each input kind (a
 * synthesis folder, a dataset StepLens reads, scored JSONL joined with its dataset) is read into this
 * one shape, human labels are applied to it, and the selection rules (balance, drop-unanimous,
 * split) and the format writers only ever see it. No `vscode` import.
 */
import crypto from "node:crypto";

/** Where a solution's step labels came from. */
export type LabelSource = "dataset" | "synthesis" | "scores" | "human" | "none";

export interface ExportSolution {
  /** Unique among the solutions of one export (a dataset record id, a synthesis solution id). */
  id: string;
  /** Solutions of the same problem share it (synthesis problem id, else a hash of the problem text). */
  problemId: string;
  problem: string;
  /** Step texts, without their "Step k:" markers. */
  steps: string[];
  /** The solution as it was written (a generator's raw text), when known; else the steps are rendered. */
  text: string | null;
  /** One per step: true correct, false incorrect, null unknown (after the first error, neutral). */
  labels: (boolean | null)[];
  /** The solution's outcome when the source states one (an outcome-level vote); else derived from `labels`. */
  outcomeVerdict: boolean | null;
  labelSource: LabelSource;
  finalAnswer: string | null;
  /** The reference answer, when the input has one (never needed: SPARK's data is reference-free). */
  reference: string | null;
  /** Verification texts (thinking removed) that agree with the solution's labels, best first: PRM-CoT targets. */
  verifications: string[];
  /** Where it came from (for messages and `extra_info`). */
  origin: { file: string; record?: number; line?: number; format: string };
  /** Data-source name for RL rows (`data_source`): the dataset's name or the synthesis folder's. */
  dataSource: string;
}

/** A problem and its solutions, in input order. */
export interface ProblemGroup {
  problemId: string;
  problem: string;
  solutions: ExportSolution[];
}

/**
 * Whether a solution is correct: false when any step is labelled incorrect; true when at least one
 * step is labelled correct and none incorrect (neutral/unknown steps do not make it wrong); null when
 * nothing is labelled. A verdict the source states (outcome-level aggregation) wins.
 */
export function outcomeOf(s: Pick<ExportSolution, "labels" | "outcomeVerdict">): boolean | null {
  if (s.outcomeVerdict !== null) return s.outcomeVerdict;
  if (s.labels.includes(false)) return false;
  return s.labels.includes(true) ? true : null;
}

/** 0-based index of the first step labelled incorrect, -1 when none. */
export function firstErrorIndex(labels: readonly (boolean | null)[]): number {
  return labels.indexOf(false);
}

/** True when the solution carries at least one step label. */
export function isLabelled(s: Pick<ExportSolution, "labels">): boolean {
  return s.labels.some((l) => l !== null);
}

/** The stable id of a problem given only by its text. */
export function problemIdOf(problem: string): string {
  return `p-${crypto.createHash("sha256").update(problem.trim()).digest("hex").slice(0, 12)}`;
}

/** Groups solutions by problem, keeping the order in which problems and solutions first appear. */
export function groupByProblem(solutions: Iterable<ExportSolution>): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const s of solutions) {
    let g = groups.get(s.problemId);
    if (!g) groups.set(s.problemId, (g = { problemId: s.problemId, problem: s.problem, solutions: [] }));
    g.solutions.push(s);
  }
  return [...groups.values()];
}

/** A number in [0, 1) from a string, the same on every machine and run (selection and splits). */
export function unitHash(key: string): number {
  const h = crypto.createHash("sha256").update(key).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}
