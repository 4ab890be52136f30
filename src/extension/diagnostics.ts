/**
 * Diagnostics (source "StepLens"): the trace's first error as an Error on that step, other steps
 * below the threshold or judged incorrect as Warnings, and each verifier's critique of the step as
 * related information. Messages come from src/annotations/diagnosticsModel.ts (plain text that reads
 * on its own in the Problems panel).
 */
import * as vscode from "vscode";
import { buildDiagnostics, DIAGNOSTIC_SOURCE, type PlainDiagnostic } from "../annotations/diagnosticsModel";
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

export function registerDiagnostics(ctx: StepLensContext): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection("steplens");
  const update = (uri: vscode.Uri) => {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document || document.isClosed) {
      collection.delete(uri);
      return;
    }
    const annotations = ctx.annotations.annotations(document);
    if (!annotations) {
      collection.delete(uri);
      return;
    }
    collection.set(uri, toDiagnostics(buildDiagnostics(annotations), document));
  };
  return vscode.Disposable.from(
    collection,
    ctx.annotations.onDidChange(update),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
  );
}
