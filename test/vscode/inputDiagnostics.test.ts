// Inputs that are not scored as if they were fine, in the real extension host: a trace with no steps
// gets an Information diagnostic (and no score); a file with invalid UTF-8 a Warning on the line of
// the first bad byte.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { api, steplensDiagnostics, waitFor, workspaceRoot } from "./editorSupport";

suite("Input diagnostics: no steps, invalid UTF-8", () => {
  const created: string[] = [];
  suiteTeardown(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    for (const f of created) fs.rmSync(f, { force: true });
  });

  /** Writes `content` to a new trace file in the workspace (removed after the suite) and opens it. */
  async function openNewTrace(name: string, content: string | Buffer): Promise<vscode.TextDocument> {
    const file = path.join(workspaceRoot(), `${name}-${process.pid}.trace.md`);
    fs.writeFileSync(file, content);
    created.push(file);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    return document;
  }

  /** Waits for the StepLens diagnostic with `code` on `document`; returns it. */
  async function diagnostic(document: vscode.TextDocument, code: string): Promise<vscode.Diagnostic> {
    const diags = await waitFor(
      `the ${code} diagnostic`,
      () => steplensDiagnostics(document.uri),
      (d) => d.some((x) => x.code === code),
    );
    return diags.find((x) => x.code === code)!;
  }

  test("a trace with no steps: an Information diagnostic on line 1 and no score", async () => {
    const a = await api();
    const document = await openNewTrace("empty", "\n\n   \n");
    const d = await diagnostic(document, "no-steps");
    assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(d.range.start.line, 0);
    assert.match(d.message, /^No steps/);
    await a.whenIdle();
    assert.equal(a.getLastScore(document), undefined, "nothing scored");
  });

  test("invalid UTF-8 on disk: a Warning on the line of the first bad byte", async () => {
    const document = await openNewTrace(
      "latin1",
      Buffer.concat([Buffer.from("Problem: 2x = 4.\n\nStep 1: x = 2.\n\nStep 2: caf"), Buffer.from([0xe9]), Buffer.from(" so x = 2.\n")]),
    );
    const d = await diagnostic(document, "invalid-utf8");
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(d.range.start.line, 4, "line 5, where the bad byte is");
  });
});
