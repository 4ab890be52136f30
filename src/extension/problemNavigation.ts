/**
 * "StepLens: Next Problem Step" / "Previous Problem Step" (Alt+F8 / Shift+Alt+F8 in a trace): moves
 * to the next (previous) step that has a StepLens diagnostic — the first error, or a step below the
 * threshold or judged incorrect — wrapping around, puts the cursor at its start and shows its hover.
 */
import * as vscode from "vscode";
import { buildDiagnostics } from "../annotations/diagnosticsModel";
import type { StepLensContext } from "./context";
import { stepAt } from "./stepTarget";
import { toRange } from "./ranges";

/** The 0-based steps with a StepLens diagnostic, in order. */
export function problemSteps(ctx: StepLensContext, document: vscode.TextDocument): number[] {
  const annotations = ctx.annotations.annotations(document);
  if (!annotations) return [];
  return [...new Set(buildDiagnostics(annotations).map((d) => d.step))].sort((a, b) => a - b);
}

/** Returns the 0-based step it moved to, or undefined. */
export async function goToProblemStep(ctx: StepLensContext, direction: 1 | -1): Promise<number | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !ctx.traces.isTrace(editor.document)) {
    void vscode.window.showInformationMessage("StepLens: open a trace first.");
    return undefined;
  }
  const trace = ctx.traces.get(editor.document);
  const steps = problemSteps(ctx, editor.document);
  if (!trace || steps.length === 0) {
    void vscode.window.setStatusBarMessage("StepLens: no problem steps in this trace", 3000);
    return undefined;
  }
  const current = stepAt(trace, editor.selection.active);
  let target: number;
  if (direction > 0) target = steps.find((s) => current === undefined || s > current) ?? steps[0];
  else target = [...steps].reverse().find((s) => current !== undefined && s < current) ?? steps[steps.length - 1];
  const range = trace.steps[target].range;
  if (!range) return undefined;
  const r = toRange(range);
  editor.selection = new vscode.Selection(r.start, r.start);
  editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  void vscode.commands.executeCommand("editor.action.showHover");
  return target;
}
