/**
 * What a user without a model is offered: the demo model (generated here, random weights, no
 * download) or the model picker, for the role that is missing. One place for the wording, so the
 * scoring and verification paths never drift apart.
 */
import * as vscode from "vscode";
import type { ModelRole } from "../engines/engine";
import { CommandId } from "./commandIds";
import { useDemoModel } from "./demoModel";

const USE_DEMO = "Use Demo Model";

/** The message for a role with no model, per engine kind. */
export function noModelMessage(role: ModelRole, engineKind: "local" | "openai"): string {
  if (engineKind === "openai") return `StepLens: no ${role === "prm" ? "model" : `${role} model`} is set for the endpoint (steplens.openai.model).`;
  if (role === "prm")
    return "StepLens: no PRM model is set, so traces are not scored yet. Choose or download one, or try the demo model: generated here with random weights, no download — it shows how StepLens works, but its scores are meaningless.";
  return `StepLens: no ${role} model is set (steplens.models.${role}). Choose one, or try the demo model (random weights: its verdicts are meaningless).`;
}

/** Shows `message` with "Use Demo Model" and "Choose Model…"; runs the choice. Returns what was picked. */
export async function offerModel(
  role: ModelRole,
  message: string,
  deps: { globalStorage: vscode.Uri; log: vscode.LogOutputChannel },
  severity: "info" | "warning" = "info",
): Promise<"demo" | "choose" | undefined> {
  const choose = role === "prm" ? "Choose Model…" : `Choose ${role[0]!.toUpperCase()}${role.slice(1)} Model…`;
  const show = severity === "warning" ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const pick = await show(message, USE_DEMO, choose);
  if (pick === USE_DEMO) {
    await useDemoModel(deps.globalStorage, deps.log);
    return "demo";
  }
  if (pick === choose) {
    await vscode.commands.executeCommand(CommandId.chooseModel, role);
    return "choose";
  }
  return undefined;
}
