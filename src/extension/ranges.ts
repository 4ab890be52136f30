/** Conversions between the trace model's SourceRange and VS Code ranges. */
import * as vscode from "vscode";
import type { SourceRange } from "../core/trace";

export function toRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

/** The part of `range` on its first line (the whole range when it is on one line). */
export function firstLineOf(range: vscode.Range, document: vscode.TextDocument): vscode.Range {
  if (range.isSingleLine) return range;
  return new vscode.Range(range.start, document.lineAt(range.start.line).range.end);
}
