/**
 * `processbench`: ProcessBench rows `{"id", "problem", "steps", "label"}` with `label` the 0-based
 * index of the first incorrect step, -1 when every step is labelled correct. A solution whose first
 * error is not determined (an unknown step before any incorrect one, or unknown steps and none
 * incorrect) is skipped. StepLens's eval reads the rows back (`steplens eval`). No `vscode` import.
 */
import type { ExportFormat, RowResult } from "./exportFormat";

/** The ProcessBench label of per-step labels, or null when it is not determined. */
export function processBenchLabel(labels: readonly (boolean | null)[]): number | null {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === false) return i;
    if (labels[i] !== true) return null;
  }
  return labels.length ? -1 : null;
}

export const processBenchFormat: ExportFormat = {
  name: "processbench",
  summary: "ProcessBench rows {id, problem, steps, label} (first error, -1 when all correct)",
  container: "jsonl",
  rowKeys: ["id", "problem", "steps", "label"],
  extension: ".jsonl",
  needsLabels: true,
  rows(group) {
    return group.solutions.map((s): RowResult => {
      const label = processBenchLabel(s.labels);
      if (label === null) return { skip: "first error not determined", id: s.id };
      return { row: { id: s.id, problem: s.problem, steps: s.steps, label } };
    });
  },
};
