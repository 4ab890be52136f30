/**
 * Where the end-of-line score would be off screen: a step whose first line is long gets a lens above
 * it with the same text as its end-of-line score, so every score is visible without scrolling.
 */
import type { TraceAnnotations } from "./stepAnnotations";

/** First lines longer than this get their score in a lens above the step, not only at the line's end. */
export const LONG_LINE = 100;

/** The per-step lenses: (step index, title) for each scored step whose first line is longer than LONG_LINE. */
export function longLineStepLenses(a: TraceAnnotations, lineLength: (line: number) => number): { index: number; line: number; title: string }[] {
  const out: { index: number; line: number; title: string }[] = [];
  for (const s of a.steps) {
    if (!s.range || !s.inlineText) continue;
    const line = s.range.start.line;
    if (lineLength(line) > LONG_LINE) out.push({ index: s.index, line, title: `Step ${s.index + 1}: ${s.inlineText}` });
  }
  return out;
}
