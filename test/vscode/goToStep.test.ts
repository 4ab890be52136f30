// "StepLens: Go to Step…": with a step number, and through its quick pick driven by VS Code's own
// quick-open commands (what the keyboard does), in the real extension host.
import assert from "node:assert/strict";
import path from "node:path";
import * as vscode from "vscode";
import { sleep } from "../support/wait";

const EXTENSION_ID = "steplens.steplens";
const GO_TO_STEP = "steplens.goToStep";

function fixture(name: string): vscode.Uri {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return vscode.Uri.file(path.join(ext.extensionPath, "test/fixtures/workspace/outline", name));
}

function rangeOf(r: vscode.Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/**
 * Runs the command without arguments (it shows the quick pick), then sends `keys` (quick-open
 * commands) once the pick is up. The pick cannot be observed from the API, so the last key is
 * repeated until the command's promise settles.
 */
async function pickWith(keys: string[]): Promise<unknown> {
  let settled = false;
  const result = Promise.resolve(vscode.commands.executeCommand(GO_TO_STEP)).finally(() => (settled = true));
  await sleep(1000); // the pick cannot be observed from the API: give it time to open
  for (const key of keys.slice(0, -1)) {
    await vscode.commands.executeCommand(key);
    await sleep(100);
  }
  const last = keys[keys.length - 1]!;
  for (let i = 0; i < 50 && !settled; i++) {
    await vscode.commands.executeCommand(last);
    await sleep(100);
  }
  assert.ok(settled, `the quick pick did not close after ${last}`);
  return await result;
}

suite("StepLens: Go to Step…", () => {
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    const document = await vscode.workspace.openTextDocument(fixture("quadratic.trace.md"));
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
    editor.selection = new vscode.Selection(3, 5, 3, 5);
    assert.equal(await pickWith(["workbench.action.quickOpenSelectNext", "workbench.action.closeQuickOpen"]), undefined);
    assert.equal(rangeOf(editor.selection), "3:5-3:5");
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
