/**
 * The last row of a paged tree (datasets, reward logs): "Show N more… (shown of total shown)",
 * running `command` with the file whose rows it pages.
 */
import * as vscode from "vscode";

export function showMoreItem(page: { shown: number; total: number; size: number }, command: string, file: string): vscode.TreeItem {
  const item = new vscode.TreeItem(`Show ${Math.min(page.size, page.total - page.shown)} more… (${page.shown} of ${page.total} shown)`);
  item.iconPath = new vscode.ThemeIcon("ellipsis");
  item.command = { title: "Show more", command, arguments: [file] };
  return item;
}
