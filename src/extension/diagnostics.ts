/**
 * Diagnostics (source "StepLens"): the trace's first error as an Error on that step, other steps
 * below the threshold or judged incorrect as Warnings, and each verifier's critique of the step as
 * related information. Messages come from src/annotations/diagnosticsModel.ts (plain text that reads
 * on its own in the Problems panel). Problems that left the trace readable (a front-matter label
 * that is not a step index) are errors on their line. Input problems (src/annotations/inputDiagnostics.ts):
 * no steps (Information, and no score), a step too long for the context, invalid UTF-8 on disk.
 */
import fs from "node:fs";
import * as vscode from "vscode";
import { buildDiagnostics, DIAGNOSTIC_SOURCE, type PlainDiagnostic } from "../annotations/diagnosticsModel";
import { type InputDiagnostic, inputDiagnostics } from "../annotations/inputDiagnostics";
import { firstInvalidUtf8 } from "../formats/decodeText";
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

/** An input diagnostic (no steps, too long, invalid UTF-8) on its line. */
function inputDiagnostic(d: InputDiagnostic, document: vscode.TextDocument): vscode.Diagnostic {
  const line = Math.min(Math.max(d.line, 0), document.lineCount - 1);
  const text = document.lineAt(line);
  const range = new vscode.Range(
    line,
    text.firstNonWhitespaceCharacterIndex,
    line,
    Math.max(text.firstNonWhitespaceCharacterIndex, Math.min(text.text.trimEnd().length, 200)),
  );
  const diagnostic = new vscode.Diagnostic(
    range,
    d.message,
    d.severity === "information" ? vscode.DiagnosticSeverity.Information : vscode.DiagnosticSeverity.Warning,
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = d.code;
  return diagnostic;
}

const utf8Checked = new Map<string, { version: number; line: number | null }>();
/** Largest file read back from disk to find the first invalid UTF-8 byte. */
const UTF8_CHECK_MAX_BYTES = 64 * 1024 * 1024;

/**
 * 1-based line of the first invalid UTF-8 byte of a file on disk, when the editor shows replacement
 * characters (the only sign of it in the document text); null otherwise. Cached per document version.
 */
function invalidUtf8Line(document: vscode.TextDocument): number | null {
  if (document.uri.scheme !== "file") return null;
  const k = document.uri.toString();
  const cached = utf8Checked.get(k);
  if (cached && cached.version === document.version) return cached.line;
  let line: number | null = null;
  if (!document.isDirty && document.getText().includes("\uFFFD")) {
    try {
      if (fs.statSync(document.uri.fsPath).size <= UTF8_CHECK_MAX_BYTES) {
        const bytes = fs.readFileSync(document.uri.fsPath);
        const bad = firstInvalidUtf8(bytes);
        if (bad >= 0) line = bytes.subarray(0, bad).toString("latin1").split("\n").length;
      }
    } catch {
      line = null; // unreadable now: nothing to report
    }
  }
  utf8Checked.set(k, { version: document.version, line });
  return line;
}

export function registerDiagnostics(ctx: StepLensContext): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection("steplens");
  const update = (uri: vscode.Uri) => {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document || document.isClosed) {
      collection.delete(uri);
      return;
    }
    const parsed = ctx.traces.parse(document);
    const problems = (parsed?.problems ?? []).map((p) => problemDiagnostic(p, document));
    const config = ctx.configuration.current;
    const inputs = parsed?.trace
      ? inputDiagnostics(parsed.trace, {
          contextSize: config.engine.kind === "local" ? config.local.contextSize : null,
          invalidUtf8Line: invalidUtf8Line(document),
        }).map((d) => inputDiagnostic(d, document))
      : [];
    const annotations = ctx.annotations.annotations(document);
    if (!annotations && problems.length === 0 && inputs.length === 0) {
      collection.delete(uri);
      return;
    }
    collection.set(uri, [...problems, ...inputs, ...(annotations ? toDiagnostics(buildDiagnostics(annotations), document) : [])]);
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
    vscode.workspace.onDidCloseTextDocument((d) => {
      collection.delete(d.uri);
      utf8Checked.delete(d.uri.toString());
    }),
  );
}
