/**
 * The open dataset or reward log a command works on when it was not given one: none open → a hint
 * and nothing, one → that one, several → a quick pick by file name.
 */
import path from "node:path";
import * as vscode from "vscode";

export async function pickOpenFile<T extends { file: string }>(open: readonly T[], noneOpen: string, title: string): Promise<T | undefined> {
  if (open.length === 0) {
    void vscode.window.showInformationMessage(noneOpen);
    return undefined;
  }
  if (open.length === 1) return open[0];
  const pick = await vscode.window.showQuickPick(
    open.map((item) => ({ label: path.basename(item.file), description: item.file, item })),
    { title },
  );
  return pick?.item;
}
