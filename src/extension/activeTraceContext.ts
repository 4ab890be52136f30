/** Keeps the `steplens.activeEditorIsTrace` context key in step with the active editor and the settings. */
import * as vscode from "vscode";
import { ACTIVE_EDITOR_IS_TRACE } from "./commandIds";
import type { StepLensContext } from "./context";

export function registerActiveTraceContext(ctx: StepLensContext): vscode.Disposable {
  let last: boolean | undefined;
  const update = () => {
    const editor = vscode.window.activeTextEditor;
    const value = editor !== undefined && ctx.traces.isTrace(editor.document);
    if (value === last) return;
    last = value;
    void vscode.commands.executeCommand("setContext", ACTIVE_EDITOR_IS_TRACE, value);
  };
  update();
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(update),
    ctx.traces.onDidChangeSelector(update),
    ctx.traces.onDidChange((e) => {
      if (e.document === vscode.window.activeTextEditor?.document) update();
    }),
  );
}
