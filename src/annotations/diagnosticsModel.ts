/**
 * Diagnostics as plain data (the adapter maps them to `vscode.Diagnostic`, source "StepLens"):
 * - the trace's first error (by the precedence in stepAnnotations.ts) as an error on that step;
 * - every other step that is below the PRM threshold or judged incorrect (by the verifiers or a
 *   label) as a warning, unless the user labelled it correct;
 * - each verifier's critique of the step as related information ("Verifier 2 of 8 (incorrect): …").
 * Messages are plain text (the Problems panel does not render Markdown) and read on their own:
 * "Step 3: first error — PRM 0.08 < 0.50; 6 of 8 verifiers: incorrect". No `vscode` import.
 */
import type { SourceRange } from "../core/trace";
import { DEMO_NOTICE, type StepAnnotation, type TraceAnnotations, excerpt, formatThreshold, labelText } from "./stepAnnotations";

export { formatThreshold };

export const DIAGNOSTIC_SOURCE = "StepLens";

export type DiagnosticSeverity = "error" | "warning";
export type DiagnosticCode = "first-error" | "below-threshold" | "incorrect";

export interface PlainRelatedInformation {
  message: string;
  /** 0-based verifier index. */
  verifier: number;
  /** Where it points (the step's range); the adapter supplies the document. */
  range: SourceRange | null;
}

export interface PlainDiagnostic {
  step: number;
  range: SourceRange | null;
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  source: typeof DIAGNOSTIC_SOURCE;
  message: string;
  related: PlainRelatedInformation[];
}

export interface DiagnosticsOptions {
  /** Longest critique excerpt in related information (default 300 characters). */
  critiqueLength?: number;
}

/** "PRM 0.08 < 0.50", "6 of 8 verifiers: incorrect", "marked incorrect", joined with "; ". */
function reasons(a: StepAnnotation, annotations: TraceAnnotations): string {
  const parts: string[] = [];
  if (a.label) parts.push(labelText(a.label));
  if (a.scoreText !== null) parts.push(`PRM ${a.scoreText} ${a.belowThreshold ? "<" : "≥"} ${formatThreshold(annotations.threshold)}`);
  if (a.verdictCounts !== null) parts.push(a.verdictCounts);
  let text = parts.join("; ");
  if (annotations.demo && a.scoreText !== null) text += ` (${DEMO_NOTICE})`;
  return text;
}

function relatedOf(a: StepAnnotation, samples: number, length: number): PlainRelatedInformation[] {
  const v = a.verifiers;
  if (!v) return [];
  const chosen = a.critique?.verifier;
  const of = samples > 0 ? ` of ${samples}` : "";
  const list = (v.critiques ?? []).filter((c) => c.text.trim() !== "");
  if (list.length === 0 && a.critique) list.push({ ...a.critique, verdict: v.verdict === "unknown" ? null : v.verdict });
  // Critiques that agree with the step's problem (incorrect) first, then the rest; by verifier within each.
  list.sort((x, y) => Number(y.verdict === "incorrect") - Number(x.verdict === "incorrect") || x.verifier - y.verifier);
  return list.map((c) => {
    const tags = [c.verdict ?? "no verdict", ...(c.verifier === chosen ? ["chosen"] : [])].join(", ");
    return { verifier: c.verifier, range: a.range, message: `Verifier ${c.verifier + 1}${of} (${tags}): ${excerpt(c.text, length)}` };
  });
}

export function buildDiagnostics(annotations: TraceAnnotations, options: DiagnosticsOptions = {}): PlainDiagnostic[] {
  const length = options.critiqueLength ?? 300;
  const out: PlainDiagnostic[] = [];
  for (const a of annotations.steps) {
    let severity: DiagnosticSeverity;
    let code: DiagnosticCode;
    let what: string;
    if (a.isFirstError) {
      severity = "error";
      code = "first-error";
      what = "first error";
    } else if (a.label === "correct") {
      continue; // the user reviewed it
    } else if (a.verdict === "incorrect") {
      severity = "warning";
      code = "incorrect";
      what = "incorrect";
    } else if (a.belowThreshold) {
      severity = "warning";
      code = "below-threshold";
      what = "below threshold";
    } else continue;
    const why = reasons(a, annotations);
    const samples = annotations.verifierSamples ?? 0;
    out.push({
      step: a.index,
      range: a.range,
      severity,
      code,
      source: DIAGNOSTIC_SOURCE,
      message: `${a.title}: ${what}${why ? ` — ${why}` : ""}`,
      related: relatedOf(a, samples, length),
    });
  }
  return out;
}
