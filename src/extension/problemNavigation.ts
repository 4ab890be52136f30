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
  const firstProblem = steps[0];
  const lastProblem = steps.at(-1);
  if (!trace || firstProblem === undefined || lastProblem === undefined) {
    void vscode.window.setStatusBarMessage("StepLens: no problem steps in this trace", 3000);
    return undefined;
  }
  const current = stepAt(trace, editor.selection.active);
  let target: number;
  if (direction > 0) target = steps.find((s) => current === undefined || s > current) ?? firstProblem;
  else target = [...steps].reverse().find((s) => current !== undefined && s < current) ?? lastProblem;
  const step = trace.steps[target];
  if (step === undefined)
    throw new Error(`internal: the annotations name problem step ${target + 1}, which the trace of ${editor.document.uri.toString()} does not have`);
  const range = step.range;
  if (!range) return undefined;
  const r = toRange(range);
  editor.selection = new vscode.Selection(r.start, r.start);
  editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  void vscode.commands.executeCommand("editor.action.showHover");
  return target;
}
