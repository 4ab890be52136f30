// The "Get started" walkthrough ticks on real events and remembers them: a trace opened, a model set,
// scores that landed, annotations read (a hover on a scored step), a step labelled, a dataset really
// opened. (That VS Code shows them ticked when the walkthrough opens only afterwards is checked in
// the browser: test/e2e/walkthrough.e2e.mjs.) Tiny random-weight
// test models: plumbing, not judgement.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { api, closeAllEditors, fixtureUri, hoverText, insideStep, resetSettings, useTestModels, waitFor, waitForScores } from "./editorSupport";

suite("Walkthrough milestones", () => {
  suiteTeardown(async () => {
    await closeAllEditors();
    await resetSettings();
  });

  test("a chosen model, landed scores, a hover on a scored step and an opened dataset each tick their step", async function () {
    this.timeout(120_000);
    const a = await api();
    await useTestModels();
    await waitFor(
      "the model milestone",
      () => a.walkthroughDone(),
      (d) => d.includes("modelChosen"),
    );
    const document = await vscode.workspace.openTextDocument(fixtureUri("rectangle-area.trace.md"));
    await vscode.window.showTextDocument(document);
    await waitFor(
      "the trace-opened milestone (kept after the trace editor is no longer active)",
      () => a.walkthroughDone(),
      (d) => d.includes("traceOpened"),
    );
    await waitForScores(a, document, 90_000);
    await waitFor(
      "the scored milestone",
      () => a.walkthroughDone(),
      (d) => d.includes("scored"),
    );
    const { text } = await hoverText(document.uri, insideStep(a, document, 0));
    assert.match(text, /PRM/);
    assert.ok(a.walkthroughDone().includes("read"), `after a hover on a scored step: ${a.walkthroughDone().join(", ")}`);
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(insideStep(a, document, 1), insideStep(a, document, 1)) });
    await vscode.commands.executeCommand("steplens.markStepCorrect");
    await waitFor(
      "the labelled milestone",
      () => a.walkthroughDone(),
      (d) => d.includes("labelled"),
    );
    await vscode.commands.executeCommand("steplens.clearStepLabel"); // leave the fixture's labels as they were
    const datasets = await vscode.workspace.findFiles("datasets/*.json*");
    assert.ok(datasets.length > 0, "the fixture workspace has a dataset");
    await vscode.commands.executeCommand("steplens.openDataset", datasets[0]!.fsPath);
    assert.ok(a.walkthroughDone().includes("datasetOpened"), a.walkthroughDone().join(", "));
  });
});
