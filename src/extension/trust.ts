/**
 * Workspace Trust. Reading and navigating traces is always allowed. Anything that runs a model or a
 * program (scoring, verification, the `steplens` CLI, a prompt template from the workspace) must call
 * `requireTrust` first: in an untrusted workspace it refuses and tells the user why.
 */
import * as vscode from "vscode";

export const MANAGE_TRUST_COMMAND = "workbench.trust.manage";

/** Why StepLens holds back in untrusted workspaces (shown to the user; keep in step with package.json). */
export const UNTRUSTED_REASON =
  "StepLens does not run models or programs in an untrusted workspace: its settings could point them at files or endpoints from this workspace.";

export function isWorkspaceTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/**
 * Returns true when the workspace is trusted. Otherwise logs and shows why `action` (e.g. "score
 * this trace") cannot run, offers to manage trust, and returns false. Never throws.
 */
export async function requireTrust(action: string, log?: vscode.LogOutputChannel): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  log?.warn(`refused to ${action}: the workspace is not trusted`);
  const manage = "Manage Workspace Trust";
  const choice = await vscode.window.showWarningMessage(`Cannot ${action}. ${UNTRUSTED_REASON}`, manage);
  if (choice === manage) await vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
  return false;
}

/** Calls `listener` once when the user grants trust (for features that start after that). */
export function onDidGrantTrust(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(listener);
}
