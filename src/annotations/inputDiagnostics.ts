/**
 * Diagnostics about the input itself, before any score (plain data; the adapter maps them to
 * `vscode.Diagnostic`, source "StepLens"):
 * - a trace with no steps: an Information on the first line ("no steps"), instead of a score that
 *   would read as "no error";
 * - a step (or the problem) longer than the local context could ever hold: a Warning on its line,
 *   with the limit (it is refused before it is tokenized: src/core/inputLimits.ts);
 * - invalid UTF-8 in the file on disk: a Warning on the line of the first bad byte (the editor shows
 *   the bad bytes as U+FFFD; StepLens scores what the editor shows).
 * No `vscode` import.
 */
import { findTooLong, tooLongError } from "../core/inputLimits";
import type { Trace } from "../core/trace";

export type InputDiagnosticCode = "no-steps" | "too-long" | "invalid-utf8";

export interface InputDiagnostic {
  /** 0-based line. */
  line: number;
  severity: "information" | "warning";
  code: InputDiagnosticCode;
  message: string;
}

export interface InputDiagnosticsOptions {
  /** The local engine's context size; null when scoring runs elsewhere (an endpoint) or not at all. */
  contextSize: number | null;
  /** 1-based line of the first invalid UTF-8 byte in the file on disk, when there is one. */
  invalidUtf8Line?: number | null;
}

export function inputDiagnostics(trace: Trace, options: InputDiagnosticsOptions): InputDiagnostic[] {
  const out: InputDiagnostic[] = [];
  if (trace.steps.length === 0) {
    out.push({
      line: 0,
      severity: "information",
      code: "no-steps",
      message: "No steps: StepLens found no step to score in this trace (steps are 'Step N:' markers, numbered lines or paragraphs).",
    });
  } else if (options.contextSize !== null) {
    const t = findTooLong(
      trace.problem,
      trace.steps.map((s) => s.text),
      options.contextSize,
    );
    if (t) {
      const step = t.step !== null ? trace.steps[t.step] : null;
      if (step === undefined) throw new Error(`input diagnostics: findTooLong named step ${t.step} of ${trace.steps.length}`);
      const range = step ? step.range : null;
      const e = tooLongError(t, options.contextSize);
      out.push({ line: range ? range.start.line : 0, severity: "warning", code: "too-long", message: `${e.message} ${e.details.hint ?? ""}`.trim() });
    }
  }
  if (options.invalidUtf8Line != null) {
    out.push({
      line: options.invalidUtf8Line - 1,
      severity: "warning",
      code: "invalid-utf8",
      message:
        "Invalid UTF-8 in the file (the first bad byte is on this line): the editor shows such bytes as U+FFFD, and StepLens scores what it shows. Save the file as UTF-8 (`steplens score --strict` refuses such files).",
    });
  }
  return out;
}
