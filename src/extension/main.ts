/**
 * Extension entry point. `activate` stays thin: one StepLensContext owns everything; features are
 * listed in features.ts. Nothing here loads a model or runs a program.
 */
import type * as vscode from "vscode";
import { StepLensContext, type StepLensApi } from "./context";
import { startFeatures } from "./features";

let context: StepLensContext | undefined;

export function activate(extensionContext: vscode.ExtensionContext): StepLensApi {
  context?.dispose();
  const ctx = new StepLensContext(extensionContext);
  context = ctx;
  try {
    startFeatures(ctx);
  } catch (e) {
    ctx.dispose();
    context = undefined;
    throw e;
  }
  ctx.log.info(`StepLens ${String(extensionContext.extension.packageJSON.version ?? "")} activated`);
  return ctx.api;
}

export function deactivate(): void {
  context?.dispose();
  context = undefined;
}
