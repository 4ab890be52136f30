/**
 * Which document and step a command acts on: the `{uri, step}` argument that hovers, code actions and
 * code lenses pass, or, from the palette or a keybinding, the active editor and the step under its
 * cursor. Arguments are checked (they may come from a link).
 */
import * as vscode from "vscode";
import type { Trace } from "../core/trace";
import type { StepLensContext } from "./context";

export interface StepTarget {
  document: vscode.TextDocument;
  trace: Trace;
  /** 0-based step, when the command needs one and it was found. */
  step?: number;
}

/** The 0-based step whose range contains `position` (both ends included), else the last step starting before it. */
export function stepAt(trace: Trace, position: vscode.Position): number | undefined {
  let best: number | undefined;
  for (const s of trace.steps) {
    if (!s.range) continue;
    const start = new vscode.Position(s.range.start.line, s.range.start.character);
    const end = new vscode.Position(s.range.end.line, s.range.end.character);
    if (position.isAfterOrEqual(start) && position.isBeforeOrEqual(end)) return s.index;
    if (position.isAfterOrEqual(start)) best = s.index;
  }
  return best;
}

async function documentOf(uri: unknown): Promise<vscode.TextDocument | undefined> {
  if (typeof uri !== "string" || uri === "") return undefined;
  let parsed: vscode.Uri;
  try {
    parsed = vscode.Uri.parse(uri, true);
  } catch {
    return undefined;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === parsed.toString());
  return open ?? (await vscode.workspace.openTextDocument(parsed));
}

/**
 * Resolves a command's target. Says what is wrong (and returns undefined) when there is no trace, or
 * when `needStep` and no step is at the cursor or the given step does not exist.
 */
export async function resolveStepTarget(ctx: StepLensContext, arg: unknown, needStep: boolean): Promise<StepTarget | undefined> {
  const a = typeof arg === "object" && arg !== null ? (arg as { uri?: unknown; step?: unknown }) : {};
  const editor = vscode.window.activeTextEditor;
  const document = (await documentOf(a.uri)) ?? (a.uri === undefined ? editor?.document : undefined);
  if (!document || !ctx.traces.isTrace(document)) {
    void vscode.window.showInformationMessage("StepLens: open a trace first (a *.trace.md or *.trace file, or a file matching steplens.traces.filePatterns).");
    return undefined;
  }
  const trace = ctx.traces.get(document);
  if (!trace) {
    void vscode.window.showErrorMessage(
      `StepLens: cannot read ${document.uri.fsPath || document.uri.toString()} as a trace: ${ctx.traces.parse(document)?.error ?? "unknown error"}`,
    );
    return undefined;
  }
  if (!needStep) return { document, trace };
  let step: number | undefined;
  if (a.step !== undefined) {
    if (typeof a.step === "number" && Number.isInteger(a.step) && a.step >= 0 && a.step < trace.steps.length) step = a.step;
    else {
      void vscode.window.showErrorMessage(`StepLens: there is no step ${String(a.step)} in this trace (it has ${trace.steps.length}).`);
      return undefined;
    }
  } else if (editor && editor.document === document) {
    step = stepAt(trace, editor.selection.active);
  }
  if (step === undefined) {
    void vscode.window.showInformationMessage("StepLens: put the cursor in a step first.");
    return undefined;
  }
  return { document, trace, step };
}
