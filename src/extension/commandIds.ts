/**
 * Every command id StepLens registers, in one place (no `vscode` import, so unit tests can check
 * them against package.json). A command is listed here only once it works: features that do not
 * exist yet have no id and no palette entry.
 */
export const CommandId = {
  /** "StepLens: Go to Step…" — quick pick of the active trace's steps; an optional 1-based step number skips the pick. */
  goToStep: "steplens.goToStep",
  /** "StepLens: Show Output" — the StepLens log. */
  showOutput: "steplens.showOutput",
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** Context key: true while the active editor shows a trace document (used in `when` clauses). */
export const ACTIVE_EDITOR_IS_TRACE = "steplens.activeEditorIsTrace";
