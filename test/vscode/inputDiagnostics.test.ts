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

  test("a trace with no steps: an Information diagnostic on line 1 and no score", async () => {
    const a = await api();
    const file = path.join(workspaceRoot(), `empty-${process.pid}.trace.md`);
    fs.writeFileSync(file, "\n\n   \n");
    created.push(file);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    const diags = await waitFor(
      "the no-steps diagnostic",
      () => steplensDiagnostics(document.uri),
      (d) => d.some((x) => x.code === "no-steps"),
    );
    const d = diags.find((x) => x.code === "no-steps")!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(d.range.start.line, 0);
    assert.match(d.message, /^No steps/);
    await a.whenIdle();
    assert.equal(a.getLastScore(document), undefined, "nothing scored");
  });

  test("invalid UTF-8 on disk: a Warning on the line of the first bad byte", async () => {
    const file = path.join(workspaceRoot(), `latin1-${process.pid}.trace.md`);
    fs.writeFileSync(file, Buffer.concat([Buffer.from("Problem: 2x = 4.\n\nStep 1: x = 2.\n\nStep 2: caf"), Buffer.from([0xe9]), Buffer.from(" so x = 2.\n")]));
    created.push(file);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    const diags = await waitFor(
      "the invalid-utf8 diagnostic",
      () => steplensDiagnostics(document.uri),
      (d) => d.some((x) => x.code === "invalid-utf8"),
    );
    const d = diags.find((x) => x.code === "invalid-utf8")!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(d.range.start.line, 4, "line 5, where the bad byte is");
  });
});
