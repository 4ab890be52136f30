/** The features the extension starts, in order. Each returns the disposable that stops it. */
import type * as vscode from "vscode";
import { registerActiveTraceContext } from "./activeTraceContext";
import { registerCommands } from "./commands";
import type { StepLensContext } from "./context";
import { registerDocumentSymbols } from "./documentSymbols";
import { registerFolding } from "./folding";

export const FEATURES: readonly { name: string; start(ctx: StepLensContext): vscode.Disposable }[] = [
  { name: "document symbols", start: registerDocumentSymbols },
  { name: "folding", start: registerFolding },
  { name: "active trace context key", start: registerActiveTraceContext },
  { name: "commands", start: (ctx) => registerCommands(ctx) },
];

export function startFeatures(ctx: StepLensContext): void {
  for (const feature of FEATURES) ctx.own(feature.start(ctx));
}
