/**
 * The command table: every command StepLens registers, with its handler. Ids live in commandIds.ts.
 * Commands that run models or programs set `trustedAction`; in an untrusted workspace they refuse
 * and say why. Errors are logged and shown, never thrown at VS Code.
 */
import * as vscode from "vscode";
import { errorMessage } from "../core/errors";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";
import { goToStep } from "./goToStep";
import { requireTrust } from "./trust";

export interface CommandSpec {
  id: CommandId;
  /** For commands that run a model or a program: the action, as in "Cannot <action>" (e.g. "score this trace"). */
  trustedAction?: string;
  run(ctx: StepLensContext, ...args: unknown[]): unknown;
}

export const COMMANDS: readonly CommandSpec[] = [
  { id: CommandId.goToStep, run: (ctx, stepNumber) => goToStep(ctx, stepNumber) },
  { id: CommandId.showOutput, run: (ctx) => ctx.log.show(true) },
];

export function registerCommands(ctx: StepLensContext, commands: readonly CommandSpec[] = COMMANDS): vscode.Disposable {
  return vscode.Disposable.from(
    ...commands.map((spec) =>
      vscode.commands.registerCommand(spec.id, async (...args: unknown[]) => {
        if (spec.trustedAction && !(await requireTrust(spec.trustedAction, ctx.log))) return undefined;
        try {
          return await spec.run(ctx, ...args);
        } catch (e) {
          const message = errorMessage(e);
          ctx.log.error(`${spec.id} failed: ${message}`);
          void vscode.window.showErrorMessage(`StepLens: ${message}`);
          return undefined;
        }
      }),
    ),
  );
}
