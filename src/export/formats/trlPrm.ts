/**
 * `trl-prm`: TRL's stepwise-supervision rows, what `trl.experimental.prm.PRMTrainer` reads:
 * `{"prompt": str, "completions": [str, …], "labels": [bool, …]}`, one completion per step (the
 * trainer appends its `step_separator`, "\n" by default, to each and puts the label on the last
 * token). The prompt is the problem text. Steps are kept up to the first unknown label
 * (./labelPrefix.ts). No `vscode` import.
 */
import type { ExportFormat, RowResult } from "./exportFormat";
import { labelledPrefix } from "./labelPrefix";

export const trlPrmFormat: ExportFormat = {
  name: "trl-prm",
  summary: "TRL PRMTrainer rows {prompt, completions, labels}",
  container: "jsonl",
  rowKeys: ["prompt", "completions", "labels"],
  extension: ".jsonl",
  needsLabels: true,
  rows(group) {
    return group.solutions.map((s): RowResult => {
      const { steps, labels } = labelledPrefix(s);
      if (!steps.length) return { skip: "no labelled step", id: s.id };
      return { row: { prompt: s.problem, completions: steps, labels } };
    });
  },
};
