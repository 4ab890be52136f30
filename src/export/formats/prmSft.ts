/**
 * `prm-sft`: chat SFT rows for SPARK's PRM variant: the PRM prompt, and as target one
 * "Step k: Correct|Incorrect" line per labelled step and the final verdict line (layouts in
 * ./chatPrompts.ts). Steps are kept up to the first unknown label; a solution without an outcome
 * is skipped. No `vscode` import.
 */
import { outcomeOf } from "../exportModel";
import { chatRow, chatSftFormat, prmPrompt, prmTarget, solutionText } from "./chatPrompts";
import type { ExportFormat } from "./exportFormat";
import { labelledPrefix } from "./labelPrefix";

export const prmSftFormat: ExportFormat = chatSftFormat(
  "prm-sft",
  "chat SFT {messages}: PRM prompt → 'Step k: Correct/Incorrect' lines + final verdict",
  (s) => {
    const { labels } = labelledPrefix(s);
    const outcome = outcomeOf(s);
    if (!labels.length || outcome === null) return { skip: "no labelled step", id: s.id };
    return chatRow(prmPrompt(s.problem, solutionText(s)), prmTarget(labels, outcome));
  },
);
