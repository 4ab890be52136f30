/**
 * `math-shepherd`: `{"input", "label", "task"}` rows as in the Math-Shepherd dataset: `input` is the
 * problem, then "Step k: <text> ки" per step (steps on their own lines), `label` the same text with
 * `+` (correct) or `-` (incorrect) in place of each `ки`; `task` the data source. A `ки` inside the
 * problem or a step would shift every label after it, so it is removed from the text. Steps are kept
 * up to the first unknown label (./labelPrefix.ts). StepLens's own Math-Shepherd reader reads the
 * rows back. No `vscode` import.
 */
import { MATH_SHEPHERD_TAG } from "../../formats/mathShepherd";
import type { ExportFormat } from "./exportFormat";
import { labelledPrefixRows } from "./labelPrefix";

const clean = (text: string) => text.split(MATH_SHEPHERD_TAG).join("").trim();

export const mathShepherdFormat: ExportFormat = {
  name: "math-shepherd",
  summary: "Math-Shepherd rows {input, label, task} with ки / + -",
  container: "jsonl",
  rowKeys: ["input", "label", "task"],
  extension: ".jsonl",
  needsLabels: true,
  rows(group) {
    return labelledPrefixRows(group.solutions, (s, { steps, labels }) => {
      const head = clean(s.problem);
      const lines = steps.map((t, i) => `Step ${i + 1}: ${clean(t)} `);
      const input = `${head} ${lines.map((l) => l + MATH_SHEPHERD_TAG).join("\n")}`;
      const label = `${head} ${lines.map((l, i) => l + (labels[i] ? "+" : "-")).join("\n")}`;
      return { input, label, task: s.dataSource };
    });
  },
};
