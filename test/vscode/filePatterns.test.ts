// `steplens.traces.filePatterns`: other files (here a Markdown file) become traces when the setting
// names them, and stop being traces when it no longer does, without reopening anything.
import assert from "node:assert/strict";
import path from "node:path";
import * as vscode from "vscode";
import { waitForValue } from "../support/wait";
import { foldLines, outlineFixture } from "./editorSupport";

const EXTENSION_ID = "steplens.steplens";

interface StepLensApi {
  isTrace(document: vscode.TextDocument): boolean;
  getTrace(document: vscode.TextDocument): { steps: unknown[] } | undefined;
}

async function api(): Promise<StepLensApi> {
  const ext = vscode.extensions.getExtension<StepLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return await ext.activate();
}

/** Polls `probe` until it returns a value (not undefined); fails naming `what` after `timeoutMs`. */
function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  return waitForValue(what, probe, { timeoutMs, intervalMs: 50 });
}

/** StepLens step symbols are "Step k — words"; Markdown's own heading symbols are just "Step k". */
async function stepLensStepNames(uri: vscode.Uri): Promise<string[]> {
  const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>("vscode.executeDocumentSymbolProvider", uri)) ?? [];
  const all: string[] = [];
  const walk = (list: vscode.DocumentSymbol[]) => {
    for (const s of list) {
      all.push(s.name);
      walk(s.children ?? []);
    }
  };
  walk(symbols);
  return all.filter((n) => / — /.test(n));
}

async function setPatterns(patterns: string[] | undefined): Promise<void> {
  await vscode.workspace.getConfiguration("steplens").update("traces.filePatterns", patterns, vscode.ConfigurationTarget.Global);
}

suite("Markdown files as traces (steplens.traces.filePatterns)", () => {
  let steplens: StepLensApi;
  let document: vscode.TextDocument;

  suiteSetup(async () => {
    steplens = await api();
    await setPatterns(undefined);
    document = await vscode.workspace.openTextDocument(outlineFixture("divisors-notes.md"));
    await vscode.window.showTextDocument(document);
  });

  suiteTeardown(async () => {
    await setPatterns(undefined);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  test("a Markdown file is not a trace by default", async () => {
    assert.equal(document.languageId, "markdown");
    assert.equal(steplens.isTrace(document), false);
    assert.equal(steplens.getTrace(document), undefined);
    assert.deepEqual(await stepLensStepNames(document.uri), []);
  });

  test("a pattern that matches anywhere (**/…) makes it a trace: steps in the outline and folding", async () => {
    await setPatterns(["**/outline/*-notes.md"]);
    await until("the Markdown file to count as a trace", () => (steplens.isTrace(document) ? true : undefined));
    assert.equal(document.languageId, "markdown", "the language stays Markdown");
    assert.equal(steplens.getTrace(document)?.steps.length, 2);
    const names = await until("StepLens symbols", async () => {
      const n = await stepLensStepNames(document.uri);
      return n.length ? n : undefined;
    });
    assert.deepEqual(names, ["Step 1 — Factor it: $12 = 2^2 \\cdot 3$.", "Step 2 — The count is $(2+1)(1+1) = 6$, so the answer…"]);
    // Markdown folds headings and lists; this file has neither, so these ranges are StepLens's.
    assert.deepEqual(await foldLines(document.uri), [
      [0, 1],
      [3, 4],
      [6, 7],
    ]);
  });

  test("go to step works in it", async () => {
    const editor = await vscode.window.showTextDocument(document);
    assert.equal(await vscode.commands.executeCommand("steplens.goToStep", 2), 2);
    assert.equal(editor.selection.start.line, 6);
    assert.equal(editor.selection.end.line, 7);
  });

  test("clearing the setting turns it back into plain Markdown", async () => {
    await setPatterns([]);
    await until("the Markdown file to stop being a trace", () => (steplens.isTrace(document) ? undefined : true));
    assert.deepEqual(await stepLensStepNames(document.uri), []);
    assert.deepEqual(
      (await foldLines(document.uri)).filter(([start, end]) => start === 3 && end === 4),
      [],
      "no StepLens folding left",
    );
  });

  test("a pattern without ** is relative to the workspace folder", async () => {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    assert.ok(
      folder,
      `the test workspace (test/fixtures/workspace) must be open; folders: ${vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath).join(", ")}`,
    );
    const relative = path.relative(folder.uri.fsPath, document.uri.fsPath).split(path.sep).join("/");
    assert.ok(relative.includes("/"), `the fixture lies in a subfolder of the workspace: ${relative}`);
    // Start from a state where the file IS a trace, so "not a trace" below is the pattern's doing
    // (the previous test left it not a trace).
    await setPatterns([relative]);
    await until("the relative pattern to match", () => (steplens.isTrace(document) ? true : undefined));
    await setPatterns(["*.md"]); // only the folder's top-level Markdown files: not this one
    await until("*.md (relative to the folder) to stop matching a file in a subfolder", () => (steplens.isTrace(document) ? undefined : true));
    await setPatterns([relative]);
    await until("the relative pattern to match again", () => (steplens.isTrace(document) ? true : undefined));
    const names = await until("StepLens symbols", async () => {
      const n = await stepLensStepNames(document.uri);
      return n.length ? n : undefined;
    });
    assert.equal(names.length, 2);
  });
});
