// "StepLens: Go to Step…": with a step number, and through its quick pick driven by VS Code's own
// quick-open commands (what the keyboard does), in the real extension host.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { waitFor, within } from "../support/wait";
import { outlineFixture, rangeOf } from "./editorSupport";

const GO_TO_STEP = "steplens.goToStep";

/**
 * Resolves with the next quick pick created through this extension's `vscode` API object (which the
 * suite shares with StepLens): a spy on window.createQuickPick that hands the real pick on untouched,
 * so the test can see when the workbench shows it.
 */
function nextQuickPick(): Promise<vscode.QuickPick<vscode.QuickPickItem>> {
  const window = vscode.window as { createQuickPick: typeof vscode.window.createQuickPick };
  const original = window.createQuickPick;
  return new Promise((resolve) => {
    window.createQuickPick = (() => {
      window.createQuickPick = original;
      const pick = original.call(vscode.window);
      resolve(pick);
      return pick;
    }) as typeof vscode.window.createQuickPick;
  });
}

/**
 * Runs the command without arguments (it shows the quick pick), then sends `keys` (quick-open
 * commands) once the workbench shows the pick: it reports the pick's active step (the one under the
 * cursor) when the pick is up — when that step is not the list's first item (the list starts there
 * anyway, and nothing is reported: so the callers start the cursor in a later step). Every key but
 * the last moves the active step (each waits for that move); the last one closes the pick, and the
 * command's answer is returned.
 */
async function pickWith(keys: string[]): Promise<unknown> {
  const created = nextQuickPick();
  const result = Promise.resolve(vscode.commands.executeCommand(GO_TO_STEP));
  const pick = await within("the Go to Step quick pick to be created", created, 10_000);
  let activeChanges = 0;
  const sub = pick.onDidChangeActive(() => activeChanges++);
  try {
    await waitFor(
      "the workbench to show the quick pick with its active step",
      () => activeChanges,
      (n) => n > 0,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    for (const key of keys.slice(0, -1)) {
      const before = activeChanges;
      await vscode.commands.executeCommand(key);
      await waitFor(
        `${key} to move the active step`,
        () => activeChanges,
        (n) => n > before,
        { timeoutMs: 10_000, intervalMs: 20 },
      );
    }
    const last = keys[keys.length - 1]!;
    await vscode.commands.executeCommand(last);
    return await within(`the quick pick to close after ${last}`, result, 10_000);
  } finally {
    sub.dispose();
  }
}

suite("StepLens: Go to Step…", () => {
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    const document = await vscode.workspace.openTextDocument(outlineFixture("quadratic.trace.md"));
    editor = await vscode.window.showTextDocument(document);
  });

  setup(() => {
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  });

  test("with a step number it selects that whole step, cursor at its start", async () => {
    const went = await vscode.commands.executeCommand(GO_TO_STEP, 2);
    assert.equal(went, 2);
    assert.equal(rangeOf(editor.selection), "5:0-9:37");
    assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [5, 0]);
    assert.ok(
      editor.visibleRanges.some((r) => r.contains(editor.selection.active)),
      "the step is revealed",
    );
  });

  test("each step can be reached, and the last one too", async () => {
    const expected = ["3:0-3:71", "5:0-9:37", "11:0-11:33", "13:0-14:42"];
    for (let n = 1; n <= 4; n++) {
      assert.equal(await vscode.commands.executeCommand(GO_TO_STEP, n), n);
      assert.equal(rangeOf(editor.selection), expected[n - 1]);
    }
  });

  test("a step number that does not exist changes nothing", async () => {
    editor.selection = new vscode.Selection(11, 3, 11, 3);
    for (const bad of [0, 5, 2.5, -1, "two"]) {
      assert.equal(await vscode.commands.executeCommand(GO_TO_STEP, bad), undefined, `argument ${String(bad)}`);
      assert.equal(rangeOf(editor.selection), "11:3-11:3");
    }
  });

  test("the quick pick starts on the step under the cursor; Enter goes there", async () => {
    editor.selection = new vscode.Selection(7, 4, 7, 4); // inside step 2's display math
    assert.equal(await pickWith(["workbench.action.acceptSelectedQuickOpenItem"]), 2);
    assert.equal(rangeOf(editor.selection), "5:0-9:37");
  });

  test("moving down in the quick pick and accepting goes to the next step", async () => {
    editor.selection = new vscode.Selection(11, 1, 11, 1); // step 3
    assert.equal(await pickWith(["workbench.action.quickOpenSelectNext", "workbench.action.acceptSelectedQuickOpenItem"]), 4);
    assert.equal(rangeOf(editor.selection), "13:0-14:42");
  });

  test("Escape leaves the selection where it was", async () => {
    editor.selection = new vscode.Selection(11, 5, 11, 5); // step 3 (not the first: see pickWith)
    assert.equal(await pickWith(["workbench.action.quickOpenSelectNext", "workbench.action.closeQuickOpen"]), undefined);
    assert.equal(rangeOf(editor.selection), "11:5-11:5");
  });

  test("outside a trace it says so and does nothing", async () => {
    const plain = await vscode.workspace.openTextDocument({ language: "plaintext", content: "Step 1: not a trace file\n" });
    const plainEditor = await vscode.window.showTextDocument(plain);
    assert.equal(await vscode.commands.executeCommand(GO_TO_STEP, 1), undefined);
    assert.equal(rangeOf(plainEditor.selection), "0:0-0:0");
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    editor = await vscode.window.showTextDocument(editor.document);
  });
});
