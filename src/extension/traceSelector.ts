/**
 * Which documents are traces: the `steplens-trace` language, plus files matching
 * `steplens.traces.filePatterns`. Patterns that start with `**` or `/` (or a drive letter) match
 * anywhere; other patterns are relative to each workspace folder (like `files.exclude`).
 */
import * as vscode from "vscode";

export const TRACE_LANGUAGE_ID = "steplens-trace";

export function buildTraceSelector(
  patterns: readonly string[],
  folders: readonly vscode.WorkspaceFolder[] = vscode.workspace.workspaceFolders ?? [],
): vscode.DocumentFilter[] {
  // scheme "*": traces may be files, untitled documents or virtual documents alike.
  const filters: vscode.DocumentFilter[] = [{ language: TRACE_LANGUAGE_ID, scheme: "*" }];
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (!pattern) continue;
    if (isAnywherePattern(pattern)) filters.push({ pattern, scheme: "*" });
    else for (const folder of folders) filters.push({ pattern: new vscode.RelativePattern(folder, pattern), scheme: "*" });
  }
  return filters;
}

function isAnywherePattern(pattern: string): boolean {
  return pattern.startsWith("**") || pattern.startsWith("/") || /^[A-Za-z]:[\\/]/.test(pattern);
}

export function matchesSelector(selector: vscode.DocumentSelector, document: vscode.TextDocument): boolean {
  return vscode.languages.match(selector, document) > 0;
}
