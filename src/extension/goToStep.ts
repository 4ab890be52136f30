/**
 * "StepLens: Go to Step…": a quick pick of the active trace's steps (previewing each as it is
 * highlighted), then reveals and selects the chosen step. With a 1-based step number as argument
 * it goes straight there (keybindings, links, tests).
 */
import * as vscode from "vscode";
import type { Step } from "../core/trace";
import type { StepLensContext } from "./context";
import { toRange } from "./ranges";
import { preview, stepTitle } from "./stepLabels";
import { fileLabel } from "./traceDocuments";

interface StepItem extends vscode.QuickPickItem {
  step: Step & { range: NonNullable<Step["range"]> };
}

/** Returns the 1-based number of the step it went to, or undefined when it did not move. */
export async function goToStep(ctx: StepLensContext, stepNumber?: unknown): Promise<number | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !ctx.traces.isTrace(editor.document)) {
    void vscode.window.showInformationMessage(
      "StepLens: open a trace first (a *.trace.md or *.trace file, or a file matching the setting steplens.traces.filePatterns).",
    );
    return undefined;
  }
  const document = editor.document;
  const parsed = ctx.traces.parse(document);
  if (!parsed?.trace) {
    void vscode.window.showErrorMessage(`StepLens: cannot read this file as a trace: ${parsed?.error ?? "unknown error"}`);
    return undefined;
  }
  const steps = parsed.trace.steps.filter((s): s is StepItem["step"] => s.range !== null);
  if (!steps.length) {
    void vscode.window.showInformationMessage(`StepLens: no steps found in ${fileLabel(document.uri)}.`);
    return undefined;
  }

  if (stepNumber !== undefined && stepNumber !== null) {
    const n = typeof stepNumber === "string" && stepNumber.trim() !== "" ? Number(stepNumber) : stepNumber;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > steps.length) {
      void vscode.window.showErrorMessage(`StepLens: there is no step ${String(stepNumber)} in ${fileLabel(document.uri)}; it has steps 1 to ${steps.length}.`);
      return undefined;
    }
    select(editor, steps[n - 1]!);
    return n;
  }

  const chosen = await pickStep(editor, steps);
  if (!chosen) return undefined;
  select(editor, chosen);
  return steps.indexOf(chosen) + 1;
}

function select(editor: vscode.TextEditor, step: StepItem["step"]): void {
  const range = toRange(step.range);
  // Anchor at the end, cursor at the start: the whole step is selected and its first line stays in view.
  editor.selection = new vscode.Selection(range.end, range.start);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

async function pickStep(editor: vscode.TextEditor, steps: StepItem["step"][]): Promise<StepItem["step"] | undefined> {
  const items: StepItem[] = steps.map((step) => ({
    label: stepTitle(step.index),
    description: preview(step.text, 80),
    detail: `line ${step.range.start.line + 1}`,
    step,
  }));
  const cursor = editor.selection.active;
  const current = items.find((i) => toRange(i.step.range).contains(cursor));
  const originalView = editor.visibleRanges[0];
  const highlight = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("editor.rangeHighlightBackground"),
    isWholeLine: true,
  });
  const pick = vscode.window.createQuickPick<StepItem>();
  pick.title = "Go to Step";
  pick.placeholder = "Type a step number or words from the step";
  pick.matchOnDescription = true;
  pick.items = items;
  if (current) pick.activeItems = [current];
  try {
    const accepted = await new Promise<StepItem["step"] | undefined>((resolve) => {
      let chosen: StepItem["step"] | undefined;
      pick.onDidChangeActive(([item]) => {
        if (!item) return;
        const range = toRange(item.step.range);
        editor.setDecorations(highlight, [range]);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      });
      pick.onDidAccept(() => {
        chosen = pick.selectedItems[0]?.step ?? pick.activeItems[0]?.step;
        pick.hide();
      });
      pick.onDidHide(() => resolve(chosen));
      pick.show();
    });
    // Cancelled: put the view back where it was before the previews scrolled it.
    if (!accepted && originalView && !editor.document.isClosed) editor.revealRange(originalView, vscode.TextEditorRevealType.AtTop);
    return accepted;
  } finally {
    highlight.dispose();
    pick.dispose();
  }
}
