/**
 * `trl-prm`: TRL's stepwise-supervision rows, what `trl.experimental.prm.PRMTrainer` reads:
 * `{"prompt": str, "completions": [str, …], "labels": [bool, …]}`, one completion per step (the
 * trainer appends its `step_separator`, "\n" by default, to each and puts the label on the last
 * token). The prompt is the problem text. Steps are kept up to the first unknown label
 * (./labelPrefix.ts). No `vscode` import.
 */
import type { ExportFormat } from "./exportFormat";
import { labelledPrefixRows } from "./labelPrefix";

export const trlPrmFormat: ExportFormat = {
  name: "trl-prm",
  summary: "TRL PRMTrainer rows {prompt, completions, labels}",
  container: "jsonl",
  rowKeys: ["prompt", "completions", "labels"],
  extension: ".jsonl",
  needsLabels: true,
  rows(group) {
    return labelledPrefixRows(group.solutions, (s, { steps, labels }) => ({ prompt: s.problem, completions: steps, labels }));
  },
};
