// A trace whose front-matter label is wrong (not a step index, or past the last step) keeps its
// outline, and the label shows as a StepLens diagnostic on its line, in the real extension host.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { api, foldLines, steplensDiagnostics, symbolsOf, waitFor } from "./editorSupport";

const TRACE = "---\nfirst_error: 9\n---\nStep 1: x = 2.\n\nStep 2: y = x + 1\n  = 3.\n\nStep 3: So x + y = 5.\n";

async function replaceLine(document: vscode.TextDocument, line: number, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, document.lineAt(line).range, text);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

suite("A trace with a bad front-matter label", () => {
  let opened: vscode.TextDocument | undefined;

  // Close the untitled document without a save prompt, so no trace stays open for later suites
  // (an open trace is scored whenever the engine changes, which would warm it for the editor bench).
  suiteTeardown(async () => {
    if (!opened || opened.isClosed) return;
    await vscode.window.showTextDocument(opened);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    await waitFor(
      "the untitled trace to close",
      () => opened!.isClosed,
      (closed) => closed,
      10_000,
    );
  });

  test("first_error past the last step: the steps stay in the outline and the label line gets a diagnostic", async () => {
    const a = await api();
    const document = await vscode.workspace.openTextDocument({ language: "steplens-trace", content: TRACE });
    opened = document;
    await vscode.window.showTextDocument(document);
    const trace = a.getTrace(document);
    assert.ok(trace, "the trace still parses");
    assert.equal(trace.steps.length, 3);
    assert.equal(trace.labels, null);

    const symbols = await waitFor(
      "3 step symbols",
      () => symbolsOf(document.uri),
      (s) => s.length === 3,
    );
    assert.deepEqual(
      symbols.map((s) => s.name.split(" — ")[0]),
      ["Step 1", "Step 2", "Step 3"],
    );
    const folds = await foldLines(document.uri);
    assert.ok(
      folds.some(([start, end]) => start === 5 && end === 6),
      `step 2 still folds: ${JSON.stringify(folds)}`,
    );

    const diags = await waitFor(
      "the label diagnostic",
      () => steplensDiagnostics(document.uri),
      (d) => d.length === 1,
    );
    const d = diags[0]!;
    assert.equal(d.range.start.line, 1, "on the front-matter line (line 2)");
    assert.equal(document.getText(d.range), "first_error: 9");
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.code, "label-out-of-range");
    assert.match(d.message, /first_error: 9" is out of range: the trace has 3 steps/);
    assert.match(d.message, /Use -1 \(all correct\) or 0 to 2/);

    // Fixing the label clears the diagnostic and the label counts again; breaking it differently brings it back.
    await replaceLine(document, 1, "first_error: 1");
    await waitFor(
      "no StepLens diagnostics after the fix",
      () => steplensDiagnostics(document.uri),
      (x) => x.length === 0 || x.every((y) => y.code !== "label-out-of-range"),
    );
    assert.equal(a.getTrace(document)?.labels?.firstError, 1);
    await replaceLine(document, 1, "first_error: second");
    const again = await waitFor(
      "the bad-label diagnostic",
      () => steplensDiagnostics(document.uri),
      (x) => x.some((y) => y.code === "bad-label"),
    );
    assert.match(again.find((y) => y.code === "bad-label")!.message, /"first_error: second" is not a step index\. Write the 0-based index/);
    assert.equal(a.getTrace(document)?.steps.length, 3);
  });
});
