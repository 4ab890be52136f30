/**
 * `orm-sft`: chat SFT rows for SPARK's ORM variant: the ORM prompt, and as target "Yes" or "No"
 * (the solution's outcome: no step incorrect, or the stated outcome verdict). Layout in
 * ./chatPrompts.ts. No `vscode` import.
 */
import { outcomeOf } from "../exportModel";
import { chatRow, chatSftFormat, ormPrompt, solutionText } from "./chatPrompts";
import type { ExportFormat } from "./exportFormat";

export const ormSftFormat: ExportFormat = chatSftFormat("orm-sft", "chat SFT {messages}: ORM prompt → Yes/No", (s) => {
  const outcome = outcomeOf(s);
  if (outcome === null) return { skip: "no outcome label", id: s.id };
  return chatRow(ormPrompt(s.problem, solutionText(s)), outcome ? "Yes" : "No");
});
