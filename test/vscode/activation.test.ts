// The extension skeleton in the real host: activation, the trace language, every contributed
// command registered (and nothing contributed that is not), the output channel command.
import assert from "node:assert/strict";
import path from "node:path";
import * as vscode from "vscode";
import { waitFor } from "../support/wait";

const EXTENSION_ID = "steplens.steplens";

suite("StepLens activation and commands", () => {
  test("activates on a trace document and exposes its small API", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(ext.extensionPath, "test/fixtures/workspace/outline/times.trace")));
    assert.equal(doc.languageId, "steplens-trace");
    const api = await ext.activate();
    assert.ok(ext.isActive);
    assert.equal(api.isTrace(doc), true);
    const trace = api.getTrace(doc);
    assert.equal(trace?.steps.length, 2);
    assert.equal(trace?.finalAnswer, "56");
  });

  test("every command in package.json is registered, and every StepLens command is in package.json", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const contributed: string[] = (ext.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    assert.ok(contributed.includes("steplens.goToStep"));
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith("steplens."));
    assert.deepEqual([...registered].sort(), [...contributed].sort());
  });

  test("StepLens: Show Output opens the StepLens output channel", async () => {
    await vscode.commands.executeCommand("steplens.showOutput");
    await waitFor(
      "the StepLens output document (the open documents are the last value)",
      () => vscode.workspace.textDocuments.map((d) => d.uri.toString()),
      () => vscode.workspace.textDocuments.some((d) => d.uri.scheme === "output" && /StepLens/i.test(d.uri.path)),
      { timeoutMs: 15_000, intervalMs: 50 },
    );
  });

  test("an untitled document in the StepLens Trace language is a trace", async () => {
    const api = await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    const doc = await vscode.workspace.openTextDocument({ language: "steplens-trace", content: "Question: 2 + 2?\n\nStep 1: 4.\n" });
    assert.equal(api.isTrace(doc), true);
    assert.equal(api.getTrace(doc)?.steps.length, 1);
    const other = await vscode.workspace.openTextDocument({ language: "plaintext", content: "Step 1: 4.\n" });
    assert.equal(api.isTrace(other), false);
    assert.equal(api.getTrace(other), undefined);
  });
});
