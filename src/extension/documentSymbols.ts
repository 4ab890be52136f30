/**
 * Outline and breadcrumbs: the problem and each step ("Step 3 — first words…"), with the final
 * answer under the step that holds it. Names are plain text.
 */
import * as vscode from "vscode";
import type { Trace } from "../core/trace";
import type { StepLensContext } from "./context";
import { firstLineOf, toRange } from "./ranges";
import { preview, stepLabel } from "./stepLabels";

export function traceSymbols(trace: Trace, document: vscode.TextDocument): vscode.DocumentSymbol[] {
  const symbols: vscode.DocumentSymbol[] = [];
  if (trace.problemRange) {
    const range = toRange(trace.problemRange);
    symbols.push(new vscode.DocumentSymbol("Problem", preview(trace.problem, 60), vscode.SymbolKind.Namespace, range, firstLineOf(range, document)));
  }
  for (const step of trace.steps) {
    if (!step.range) continue;
    const range = toRange(step.range);
    symbols.push(new vscode.DocumentSymbol(stepLabel(step.index, step.text), "", vscode.SymbolKind.Event, range, firstLineOf(range, document)));
  }
  if (trace.finalAnswer !== null && trace.finalAnswerRange) {
    const range = toRange(trace.finalAnswerRange);
    const answer = new vscode.DocumentSymbol(`Answer: ${preview(trace.finalAnswer, 40)}`, "", vscode.SymbolKind.Constant, range, range);
    const holder = symbols.find((s) => s.kind === vscode.SymbolKind.Event && s.range.contains(range));
    if (holder) holder.children.push(answer);
    else if (!symbols.some((s) => s.range.intersection(range) && !s.range.contains(range))) symbols.push(answer);
  }
  return symbols;
}

class TraceSymbolProvider implements vscode.DocumentSymbolProvider {
  constructor(private readonly ctx: StepLensContext) {}

  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] | undefined {
    const trace = this.ctx.traces.get(document);
    return trace ? traceSymbols(trace, document) : undefined;
  }
}

export function registerDocumentSymbols(ctx: StepLensContext): vscode.Disposable {
  const provider = new TraceSymbolProvider(ctx);
  return ctx.traces.registerForTraces((selector) => vscode.languages.registerDocumentSymbolProvider(selector, provider, { label: "StepLens" }));
}
