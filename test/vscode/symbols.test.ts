// Outline, breadcrumbs and folding for trace documents, through VS Code's own provider commands
// (the same calls the Outline view and the folding controller make) in the real extension host.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { waitUntil } from "../support/wait";
import { EXTENSION_ID, foldLines, outlineFixture, rangeOf, symbolsOf } from "./editorSupport";

suite("Outline and folding of a trace", () => {
  let document: vscode.TextDocument;

  suiteSetup(async () => {
    document = await vscode.workspace.openTextDocument(outlineFixture("quadratic.trace.md"));
    await vscode.window.showTextDocument(document);
  });

  test("a *.trace.md file opens in the StepLens Trace language and activates the extension", async () => {
    assert.equal(document.languageId, "steplens-trace");
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitUntil("opening a trace to activate StepLens", () => ext.isActive, { timeoutMs: 5_000, intervalMs: 50 });
  });

  test("document symbols: the problem, then one symbol per step with its full range", async () => {
    const symbols = await symbolsOf(document.uri);
    assert.deepEqual(
      symbols.map((s) => [s.name.split(" — ")[0], rangeOf(s.range)]),
      [
        ["Problem", "0:0-1:19"],
        ["Step 1", "3:0-3:71"],
        ["Step 2", "5:0-9:37"],
        ["Step 3", "11:0-11:33"],
        ["Step 4", "13:0-14:42"],
      ],
    );
    assert.equal(symbols[0]!.kind, vscode.SymbolKind.Namespace);
    assert.ok(symbols.slice(1).every((s) => s.kind === vscode.SymbolKind.Event));
  });

  test("step names carry a plain-text preview of the step's first words", async () => {
    const names = (await symbolsOf(document.uri)).map((s) => s.name);
    assert.equal(names[1], "Step 1 — The equation is a quadratic with $a = 1$, $b =…");
    assert.equal(names[2], "Step 2 — Factor it: $$ x^2 - 5x + 6 = (x - 2)(x - 3) $$…");
    assert.equal(names[3], "Step 3 — Their sum is $2 + 3 = 5$.");
    for (const n of names) assert.ok(n.length <= 60, `short enough for breadcrumbs: ${n}`);
  });

  test("selection ranges are the first line of each symbol (what breadcrumbs and Go to Symbol reveal)", async () => {
    const symbols = await symbolsOf(document.uri);
    assert.deepEqual(
      symbols.map((s) => rangeOf(s.selectionRange)),
      ["0:0-0:54", "3:0-3:71", "5:0-5:18", "11:0-11:33", "13:0-13:61"],
    );
    for (const s of symbols) assert.ok(s.range.contains(s.selectionRange));
  });

  test("the final answer sits under the step that states it", async () => {
    const last = (await symbolsOf(document.uri))[4]!;
    assert.equal(last.children.length, 1);
    const answer = last.children[0]!;
    assert.equal(answer.name, "Answer: 5");
    assert.equal(document.getText(answer.range), "\\boxed{5}");
  });

  test("folding: the problem and every multi-line step fold on their own; one-line steps do not", async () => {
    assert.deepEqual(await foldLines(document.uri), [
      [0, 1],
      [5, 9],
      [13, 14],
    ]);
  });

  test("an edit re-parses the document: a new step appears in the outline", async () => {
    const doc = await vscode.workspace.openTextDocument({ language: "steplens-trace", content: "Problem: 1 + 1?\n\nStep 1: It is 2.\n" });
    assert.equal((await symbolsOf(doc.uri)).length, 2);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((b) => b.insert(new vscode.Position(3, 0), "\nStep 2: Check: 2 - 1 = 1.\nYes.\n"));
    const symbols = await symbolsOf(doc.uri);
    assert.deepEqual(
      symbols.map((s) => s.name),
      ["Problem", "Step 1 — It is 2.", "Step 2 — Check: 2 - 1 = 1. Yes."],
    );
    assert.deepEqual(await foldLines(doc.uri), [[4, 5]]);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
  });

  test("a plain-text *.trace file with numbered steps gets the same outline", async () => {
    const doc = await vscode.workspace.openTextDocument(outlineFixture("times.trace"));
    assert.equal(doc.languageId, "steplens-trace");
    const symbols = await symbolsOf(doc.uri);
    // The closing "Answer: 56" line is not a step; it shows as its own symbol.
    assert.deepEqual(
      symbols.map((s) => s.name),
      ["Problem", "Step 1 — Seven eights are 56.", "Step 2 — So the answer is 56.", "Answer: 56"],
    );
    assert.equal(rangeOf(symbols[3]!.range), "5:8-5:10");
    assert.deepEqual(await foldLines(doc.uri), []);
  });
});
