/**
 * `prm-cot-sft`: chat SFT rows for SPARK's PRM-CoT variant: the PRM prompt, and as target a full
 * verification that agrees with the solution's aggregated labels (synthesis input only: datasets and
 * scores carry no verification text). A solution whose labels a human changed has no agreeing
 * verification any more and is skipped. No `vscode` import.
 */
import { chatRow, chatSftFormat, prmPrompt, solutionText } from "./chatPrompts";
import type { ExportFormat } from "./exportFormat";

export const prmCotSftFormat: ExportFormat = chatSftFormat(
  "prm-cot-sft",
  "chat SFT {messages}: PRM prompt → a full agreeing verification (synthesis input)",
  (s) => {
    const target = s.verifications[0];
    if (!target) return { skip: "no verification that agrees with its labels", id: s.id };
    return chatRow(prmPrompt(s.problem, solutionText(s)), target);
  },
);
