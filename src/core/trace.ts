/**
 * The trace model: a problem, ordered steps, an optional final answer and optional labels.
 * Every step knows where it sits in the source text (when it came from a file the user sees), so
 * scores, diagnostics and decorations land on exactly that text. No `vscode` import here.
 */

/** 0-based line and UTF-16 character, exactly as VS Code's `Position`. */
export interface TextPosition {
  line: number;
  character: number;
}

/** A span of the source document: both UTF-16 offsets and line/character positions. */
export interface SourceRange {
  start: TextPosition;
  end: TextPosition;
  startOffset: number;
  endOffset: number;
}

export interface Step {
  /** 0-based position of the step in the trace. */
  index: number;
  /** The step's text, without its marker ("Step 3:") and without line-ending characters at the ends. */
  text: string;
  /** Where the step (marker included) lies in the file that was read; null for dataset records. */
  range: SourceRange | null;
}

/**
 * Ground-truth labels, when the source has them.
 * - `first-error`: ProcessBench-style, the 0-based index of the earliest wrong step, -1 when all are correct.
 * - `per-step`: one verdict per step (true correct, false incorrect, null neutral/unknown); `firstError`
 *   is derived (the first false, else -1).
 */
export type TraceLabels = { kind: "first-error"; firstError: number } | { kind: "per-step"; steps: (boolean | null)[]; firstError: number };

export type TraceFormat = "text" | "processbench" | "prm800k" | "math-shepherd" | "jsonl";
export const TRACE_FORMATS: readonly TraceFormat[] = ["text", "processbench", "prm800k", "math-shepherd", "jsonl"];

export interface TraceSource {
  /** File path the trace was read from, if any. */
  file?: string;
  /** 0-based record index inside a dataset file. */
  record?: number;
  /** 1-based line of the record inside a JSONL file (for error messages), when known. */
  line?: number;
  /** The record's own id, when it has one; otherwise a derived one (`<record>`). */
  id?: string;
}

export interface Trace {
  format: TraceFormat;
  problem: string;
  /** Range of the problem text in the source, when it came from a file the user sees. */
  problemRange: SourceRange | null;
  steps: Step[];
  finalAnswer: string | null;
  finalAnswerRange: SourceRange | null;
  labels: TraceLabels | null;
  source: TraceSource;
  /** Extra, format-specific fields worth keeping (generator name, final_answer_correct, …). */
  meta?: Record<string, unknown>;
}

/** First index whose label is false, else -1. */
export function firstErrorOf(steps: (boolean | null)[]): number {
  const i = steps.findIndex((s) => s === false);
  return i;
}
