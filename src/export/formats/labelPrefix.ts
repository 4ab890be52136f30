/**
 * Formats that need a label on every step they show (TRL, Math-Shepherd, the PRM target) keep a
 * solution's steps up to its first unknown label: the steps after a first error are unknown in
 * ProcessBench-style data, and training on a guess would teach the PRM the guess. Per-step data
 * (Math-Shepherd, PRM800K, synthesis) keeps every step that has a label, errors after the first
 * included. No `vscode` import.
 */
import type { ExportSolution } from "../exportModel";
import type { Row, RowResult } from "./exportFormat";

/** The steps and labels of the longest fully labelled prefix (empty when step 1 is unknown). */
export function labelledPrefix(s: Pick<ExportSolution, "steps" | "labels">): { steps: string[]; labels: boolean[] } {
  const labels: boolean[] = [];
  for (let i = 0; i < s.steps.length; i++) {
    const l = s.labels[i];
    if (l === null || l === undefined) break;
    labels.push(l);
  }
  return { steps: s.steps.slice(0, labels.length), labels };
}

/** Each solution's row from its labelled prefix; a solution whose first step is unknown is skipped. */
export function labelledPrefixRows(
  solutions: readonly ExportSolution[],
  row: (s: ExportSolution, prefix: { steps: string[]; labels: boolean[] }) => Row,
): RowResult[] {
  return solutions.map((s): RowResult => {
    const prefix = labelledPrefix(s);
    return prefix.steps.length ? { row: row(s, prefix) } : { skip: "no labelled step", id: s.id };
  });
}
