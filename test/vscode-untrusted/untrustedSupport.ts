/**
 * Shared by the untrusted-workspace suites (test/vscode-untrusted/*.test.ts): the check that a
 * command that runs a model or a program refuses. Not a test file.
 */
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { sleep, waitFor, waitUntil } from "../support/wait";
import { steplensLog } from "../vscode/editorSupport";

export { steplensLog };

const refusals = (log: string) => (log.match(/refused to /g) ?? []).length;

/**
 * Runs a command that needs trust. In restricted mode it logs "refused to <action>", shows a warning
 * (why, and "Manage Workspace Trust") and waits for the user's answer. Checked in that order, each by
 * its condition: the refusal reaches the log while the command is still pending (it waits on the
 * warning); the notifications are cleared (the answer is "dismissed") until the command settles;
 * it returns undefined.
 */
export async function runRefusedCommand(id: string, args: unknown[]): Promise<void> {
  const before = refusals(steplensLog());
  let settled = false;
  const result = Promise.resolve(vscode.commands.executeCommand(id, ...args)).finally(() => {
    settled = true;
  });
  await waitFor(`the refusal of ${id} in the StepLens log`, steplensLog, (log) => refusals(log) > before, { timeoutMs: 15_000, intervalMs: 50 });
  assert.equal(settled, false, `${id} waits on the warning that explains the refusal`);
  await waitUntil(
    `${id} to return once its warning is dismissed`,
    async () => {
      await vscode.commands.executeCommand("notifications.clearAll");
      if (!settled) await sleep(100);
      return settled;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  assert.equal(await result, undefined, `${id} returns nothing in an untrusted workspace`);
}

/** Runs `body` and returns how many StepLens tasks (type "steplens") VS Code started meanwhile. */
export async function steplensTasksStartedDuring(body: () => Promise<void>): Promise<number> {
  let started = 0;
  const sub = vscode.tasks.onDidStartTask((e) => {
    if (e.execution.task.definition.type === "steplens") started++;
  });
  try {
    await body();
  } finally {
    sub.dispose();
  }
  return started;
}
