/**
 * Workspace Trust. Reading and navigating traces is always allowed. Anything that runs a model or a
 * program (scoring, verification, the `steplens` CLI, a prompt template from the workspace) must call
 * `requireTrust` first: in an untrusted workspace it refuses and tells the user why.
 *
 * Writing human labels (`.steplens/labels.jsonl`) runs nothing, but it writes into a folder the user
 * has not trusted, so there it asks first, with a modal (`confirmUntrustedWrite`): "Write Label" writes
 * this one, "Allow Until Reload" stops asking for that folder in this window, anything else writes
 * nothing. Reading labels, hovers, outline and navigation never ask. The write itself never follows
 * a link, trusted or not (src/core/safeFs.ts). Decision recorded in docs/security.md.
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

/** Shown under the question of `confirmUntrustedWrite` (keep in step with docs/security.md). */
export const UNTRUSTED_WRITE_DETAIL =
  "Restricted Mode: StepLens asks before it writes into a folder you have not trusted. The file is written only if it is a regular file inside the folder (never through a link).";

/** Folders (URI strings) the user allowed label writes in, for this window. */
const allowedWrites = new Set<string>();

/**
 * Resolves true when `what` (e.g. "write the label of Step 3 to .steplens/labels.jsonl in 'demo'")
 * may go ahead: the workspace is trusted, the user allowed it for `folderKey` earlier in this window,
 * or the user says yes in a modal now. Never throws.
 */
export async function confirmUntrustedWrite(what: string, folderKey: string, log?: vscode.LogOutputChannel): Promise<boolean> {
  if (vscode.workspace.isTrusted || allowedWrites.has(folderKey)) return true;
  const once = "Write Label";
  const always = "Allow Until Reload";
  const question = `This workspace is not trusted. ${what.charAt(0).toUpperCase()}${what.slice(1)}?`;
  let choice: string | undefined;
  try {
    choice = await vscode.window.showWarningMessage(question, { modal: true, detail: UNTRUSTED_WRITE_DETAIL }, once, always);
  } catch (e) {
    // No dialog could be shown (VS Code refuses modals under test): no answer, so nothing is written.
    log?.warn(`could not ask "${question}": ${e instanceof Error ? e.message : String(e)}`);
  }
  if (choice === always) allowedWrites.add(folderKey);
  const ok = choice === once || choice === always;
  log?.info(`${ok ? "allowed" : "refused"} in an untrusted workspace: ${what}`);
  return ok;
}

/** Calls `listener` once when the user grants trust (for features that start after that). */
export function onDidGrantTrust(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(listener);
}
