/**
 * Diagnostics (source "StepLens"): the trace's first error as an Error on that step, other steps
 * below the threshold or judged incorrect as Warnings, and each verifier's critique of the step as
 * related information. Messages come from src/annotations/diagnosticsModel.ts (plain text that reads
 * on its own in the Problems panel). Problems that left the trace readable (a front-matter label
 * that is not a step index) are errors on their line.
 */
import * as vscode from "vscode";
import { buildDiagnostics, DIAGNOSTIC_SOURCE, type PlainDiagnostic } from "../annotations/diagnosticsModel";
import type { StepLensError } from "../core/errors";
import type { StepLensContext } from "./context";
import { firstLineOf, toRange } from "./ranges";

export function toDiagnostics(plain: readonly PlainDiagnostic[], document: vscode.TextDocument): vscode.Diagnostic[] {
  const out: vscode.Diagnostic[] = [];
  for (const p of plain) {
    if (!p.range) continue;
    const range = toRange(p.range);
    const d = new vscode.Diagnostic(range, p.message, p.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = p.code;
    if (p.related.length) {
      d.relatedInformation = p.related.map(
        (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(document.uri, r.range ? firstLineOf(toRange(r.range), document) : range), r.message),
      );
    }
    out.push(d);
  }
  return out;
}

/** A parse problem as an error on its line (the file's first line when it names none). */
export function problemDiagnostic(problem: StepLensError, document: vscode.TextDocument): vscode.Diagnostic {
  const line = Math.min(Math.max((problem.details.line ?? 1) - 1, 0), document.lineCount - 1);
  const text = document.lineAt(line);
  const range = new vscode.Range(line, text.firstNonWhitespaceCharacterIndex, line, text.text.trimEnd().length);
  const hint = problem.details.hint ? ` ${problem.details.hint}` : "";
  const d = new vscode.Diagnostic(range, `${problem.message}${hint}`, vscode.DiagnosticSeverity.Error);
  d.source = DIAGNOSTIC_SOURCE;
  if (problem.details.code) d.code = problem.details.code;
  return d;
}

export function registerDiagnostics(ctx: StepLensContext): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection("steplens");
  const update = (uri: vscode.Uri) => {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document || document.isClosed) {
      collection.delete(uri);
      return;
    }
    const problems = (ctx.traces.parse(document)?.problems ?? []).map((p) => problemDiagnostic(p, document));
    const annotations = ctx.annotations.annotations(document);
    if (!annotations && problems.length === 0) {
      collection.delete(uri);
      return;
    }
    collection.set(uri, [...problems, ...(annotations ? toDiagnostics(buildDiagnostics(annotations), document) : [])]);
  };
  for (const document of ctx.traces.traceDocuments()) update(document.uri);
  return vscode.Disposable.from(
    collection,
    ctx.annotations.onDidChange(update),
    // Opened (or now a trace by the settings): show its problems before any scores. Edits reach
    // `update` through the annotations' (debounced) change event.
    ctx.traces.onDidChange((e) => {
      if (e.reason !== "edit") update(e.document.uri);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
  );
}
