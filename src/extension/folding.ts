/** Folding: the problem and every step that spans more than one line fold on their own. */
import * as vscode from "vscode";
import type { SourceRange, Trace } from "../core/trace";
import type { StepLensContext } from "./context";

export function traceFoldingRanges(trace: Trace): vscode.FoldingRange[] {
  const ranges: vscode.FoldingRange[] = [];
  const add = (r: SourceRange | null) => {
    if (r && r.end.line > r.start.line) ranges.push(new vscode.FoldingRange(r.start.line, r.end.line));
  };
  add(trace.problemRange);
  for (const step of trace.steps) add(step.range);
  return ranges;
}

class TraceFoldingProvider implements vscode.FoldingRangeProvider {
  constructor(private readonly ctx: StepLensContext) {}

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] | undefined {
    const trace = this.ctx.traces.get(document);
    return trace ? traceFoldingRanges(trace) : undefined;
  }
}

export function registerFolding(ctx: StepLensContext): vscode.Disposable {
  const provider = new TraceFoldingProvider(ctx);
  return ctx.traces.registerForTraces((selector) => vscode.languages.registerFoldingRangeProvider(selector, provider));
}
