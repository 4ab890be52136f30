/**
 * The prompt layouts of SPARK's stage II (generative PRMs trained by SFT on chat rows), shared by the
 * prm-sft, prm-cot-sft and orm-sft exports:
 *
 *   ORM      user: "Problem: {q}\n\nSolution: {s}\n\nIs the answer correct (Yes/No)?"
 *            assistant: "Yes" | "No"
 *   PRM      user: "Problem: {q}\n\nStudent Solution: {s}\n\nLet's verify step by step."
 *            assistant: one "Step k: Correct|Incorrect" line per step, then the final verdict line
 *            "**Verification: Is the answer correct (Yes/No)? Yes|No**"
 *   PRM-CoT  the PRM prompt; assistant: a full verification (analysis and bold verdict per step, the
 *            final verdict), thinking removed
 *
 * {s} is the solution as the generator wrote it when the input has that text (synthesis), else its
 * steps rendered "Step 1: …\nStep 2: …" (one per line), the layout the verifier templates use.
 * Both targets are read back by StepLens's own verdict parser (src/verify/verdictParser.ts), so a
 * model trained on them can be used as StepLens's verifier. No `vscode` import.
 */
import { renderSteps } from "../../verify/templates";
import type { ExportSolution } from "../exportModel";
import type { ExportFormat, RowResult } from "./exportFormat";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * One of the three chat SFT formats: JSON Lines of `{"messages": [user, assistant]}` (labels
 * needed), a row per solution from `row` (a chatRow, or a skip naming what the solution lacks).
 */
export function chatSftFormat(name: string, summary: string, row: (s: ExportSolution) => RowResult): ExportFormat {
  return {
    name,
    summary,
    container: "jsonl",
    rowKeys: ["messages"],
    extension: ".jsonl",
    needsLabels: true,
    rows: (group) => group.solutions.map(row),
  };
}

/** An SFT row of the three formats: the prompt as the user's turn, the target as the assistant's. */
export function chatRow(prompt: string, target: string): RowResult {
  return {
    row: {
      messages: [
        { role: "user", content: prompt },
        { role: "assistant", content: target },
      ] satisfies ChatMessage[],
    },
  };
}

/** The solution text shown in the prompts. */
export function solutionText(s: Pick<ExportSolution, "text" | "steps">): string {
  return s.text?.trim() ? s.text.trim() : renderSteps(s.steps, "step");
}

export function ormPrompt(problem: string, solution: string): string {
  return `Problem: ${problem.trim()}\n\nSolution: ${solution}\n\nIs the answer correct (Yes/No)?`;
}

export function prmPrompt(problem: string, solution: string): string {
  return `Problem: ${problem.trim()}\n\nStudent Solution: ${solution}\n\nLet's verify step by step.`;
}

export function finalVerdictLine(correct: boolean): string {
  return `**Verification: Is the answer correct (Yes/No)? ${correct ? "Yes" : "No"}**`;
}

/** The PRM target: verdict lines for `labels` (all known), then the final verdict. */
export function prmTarget(labels: readonly boolean[], correct: boolean): string {
  return [...labels.map((l, i) => `Step ${i + 1}: ${l ? "Correct" : "Incorrect"}`), "", finalVerdictLine(correct)].join("\n");
}
