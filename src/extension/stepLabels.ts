/**
 * Plain-text labels for steps (Outline, breadcrumbs, quick pick). Trace text is untrusted model
 * output: these are only ever shown as plain text, never as HTML or Markdown. No `vscode` import.
 */

import { excerpt } from "../annotations/stepAnnotations";

/** Collapses white space and cuts `text` at a word boundary to at most `max` characters, adding "…" when cut. */
export function preview(text: string, max = 48): string {
  return excerpt(text, max);
}

/** "Step 3" for the step at 0-based `index` (users count from 1). */
export function stepTitle(index: number): string {
  return `Step ${index + 1}`;
}

/** "Step 3 — first words…" (just "Step 3" when the step has no text). */
export function stepLabel(index: number, text: string, max = 48): string {
  const words = preview(text, max);
  return words ? `${stepTitle(index)} — ${words}` : stepTitle(index);
}
