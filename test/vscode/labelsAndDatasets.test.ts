// Human labels through code actions (written to .steplens/labels.jsonl, shown in hovers and
// diagnostics) and the StepLens Datasets tree (records, ground truth vs prediction, filters,
// predictions files, records opened as read-only annotated traces), in the real extension host.
// Scores come from the generated tiny test model (RANDOM WEIGHTS: plumbing, not judgement).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import type { DatasetNode, OpenDataset } from "../../src/extension/datasetTree";
import {
  api,
  closeAllEditors,
  closeTestTrace,
  fixtureUri,
  hoverText,
  insideStep,
  labelsFile,
  openTestTrace,
  readLabelLines,
  removeLabels,
  resetSettings,
  steplensDiagnostics,
  useTestModels,
  waitFor,
  waitForScores,
} from "./editorSupport";

const TRACE = "rectangle-area.trace.md"; // not verified by the other suites: only labels and the PRM speak

async function codeActions(uri: vscode.Uri, position: vscode.Position): Promise<vscode.CodeAction[]> {
  const all =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      "vscode.executeCodeActionProvider",
      uri,
      new vscode.Range(position, position),
    )) ?? [];
  return all.filter((x): x is vscode.CodeAction => "title" in x && typeof x.title === "string" && x.title.startsWith("StepLens:"));
}

/** Waits until the label sidecar file holds `n` lines; returns them. */
function labelLines(n: number): Promise<ReturnType<typeof readLabelLines>> {
  return waitFor(`${n} label line(s) in .steplens/labels.jsonl`, readLabelLines, (l) => l.length === n);
}

async function apply(action: vscode.CodeAction): Promise<void> {
  assert.ok(action.command, `${action.title} has a command`);
  await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
}

suite("Human labels through code actions", () => {
  let a: StepLensApi;
  let document: vscode.TextDocument;

  suiteSetup(async function () {
    this.timeout(120_000);
    // prm.threshold 0: no PRM errors, only labels decide.
    ({ a, document } = await openTestTrace(TRACE, { freshLabels: true, settings: { "prm.threshold": 0 } }));
  });

  suiteTeardown(() => closeTestTrace({ labels: true }));

  test("a step offers mark correct / incorrect / first error (no clear while unlabelled)", async () => {
    const titles = (await codeActions(document.uri, insideStep(a, document, 2))).map((x) => x.title);
    assert.deepEqual(titles, ["StepLens: Mark Step 3 correct", "StepLens: Mark Step 3 incorrect", "StepLens: Mark Step 3 as the first error"]);
    const outside = await codeActions(document.uri, new vscode.Position(0, 2));
    assert.equal(outside.length, 0, "no label actions on the problem");
  });

  test("applying 'Mark Step 3 incorrect' writes the sidecar file; the hover, diagnostics and annotations show it", async () => {
    const action = (await codeActions(document.uri, insideStep(a, document, 2))).find((x) => x.title === "StepLens: Mark Step 3 incorrect");
    assert.ok(action);
    await apply(action);
    const lines = await labelLines(1);
    assert.deepEqual({ trace: lines[0]!.trace, step: lines[0]!.step, label: lines[0]!.label }, { trace: TRACE, step: 2, label: "incorrect" });
    const ann = await waitFor(
      "the label in the annotations",
      () => a.getAnnotations(document)!,
      (x) => x.steps[2]!.label === "incorrect",
    );
    assert.deepEqual(ann.firstError, { index: 2, source: "label" });
    const { text } = await hoverText(document.uri, insideStep(a, document, 2));
    assert.match(text, /\*\*Label\*\* marked incorrect/);
    const diags = await waitFor(
      "the label's diagnostic",
      () => steplensDiagnostics(document.uri),
      (d) => d.length === 1,
    );
    assert.equal(diags[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diags[0]!.message, /^Step 3: first error — marked incorrect; PRM 0\.\d+/);
    const titles = (await codeActions(document.uri, insideStep(a, document, 2))).map((x) => x.title);
    assert.ok(titles.includes("StepLens: Clear the label of Step 3"));
    assert.ok(!titles.includes("StepLens: Mark Step 3 incorrect"));
  });

  test("clearing appends a tombstone line and the label is gone", async () => {
    const clear = (await codeActions(document.uri, insideStep(a, document, 2))).find((x) => x.title.startsWith("StepLens: Clear"));
    assert.ok(clear);
    await apply(clear);
    const lines = await labelLines(2);
    assert.equal(lines[1]!.label, "clear");
    await waitFor(
      "no label",
      () => a.getAnnotations(document)!.steps[2]!.label,
      (l) => l === null,
    );
    await waitFor(
      "no diagnostics",
      () => steplensDiagnostics(document.uri),
      (d) => d.length === 0,
    );
  });

  test("a label written to the file by someone else (another window, git) shows up", async () => {
    fs.appendFileSync(labelsFile(), `${JSON.stringify({ trace: TRACE, step: 0, label: "first-error", at: new Date().toISOString() })}\n`);
    const ann = await waitFor(
      "the outside label",
      () => a.getAnnotations(document)!,
      (x) => x.steps[0]!.label === "first-error",
      20_000,
    );
    assert.deepEqual(ann.firstError, { index: 0, source: "label" });
    assert.match(ann.steps[0]!.inlineText, /first error \(marked\)/);
  });

  test("the label commands work from the cursor too (palette / context menu)", async () => {
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(insideStep(a, document, 3), insideStep(a, document, 3));
    assert.equal(await vscode.commands.executeCommand("steplens.markStepCorrect"), true);
    await waitFor(
      "step 4 marked correct",
      () => a.getAnnotations(document)!.steps[3]!.label,
      (l) => l === "correct",
    );
  });
});

suite("StepLens Datasets tree", () => {
  let a: StepLensApi;
  let dataset: OpenDataset;
  const file = () => fixtureUri("datasets", "gsm8k-sample.jsonl");
  const root = () =>
    a.datasets.getChildren().find((n): n is Extract<DatasetNode, { kind: "dataset" }> => n.kind === "dataset" && n.dataset.file === file().fsPath)!;
  const records = () => a.datasets.getChildren(root()).filter((n): n is Extract<DatasetNode, { kind: "record" }> => n.kind === "record");
  const item = (id: string) => {
    const node = records().find((n) => n.summary.id === id);
    assert.ok(node, `record ${id} is in the tree`);
    return a.datasets.getTreeItem(node);
  };

  suiteSetup(async function () {
    this.timeout(120_000);
    removeLabels();
    a = await api();
    await useTestModels();
    // Start from a fresh index: record documents an earlier suite left open are scored again when the
    // models change, and their predictions would land in the tree.
    await a.whenIdle();
    a.datasets.close(file().fsPath);
    dataset = (await vscode.commands.executeCommand<OpenDataset>("steplens.openDataset", file()))!;
    assert.ok(dataset, "the dataset opened");
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await vscode.commands.executeCommand("steplens.closeDataset", file().fsPath);
    await resetSettings();
    removeLabels();
  });

  test("the dataset node: file name, record count, format", () => {
    const it = a.datasets.getTreeItem(root());
    assert.equal(it.label, "gsm8k-sample.jsonl");
    assert.equal(it.description, "7 records"); // the format and the agreement in words are in the tooltip
    assert.match(String(it.tooltip), /format processbench/);
    assert.equal(it.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
  });

  test("records: id, ground-truth first error, no prediction yet; the unreadable line is marked", () => {
    assert.deepEqual(
      records().map((r) => r.summary.id),
      ["gsm8k-126", "gsm8k-386", "gsm8k-147", "gsm8k-337", "gsm8k-199", "gsm8k-26", "6"],
    );
    assert.equal(item("gsm8k-126").description, "step 1 → —");
    assert.equal(item("gsm8k-386").description, "correct → —");
    assert.equal(item("gsm8k-199").description, "step 3 → —");
    // Short enough for the default side bar (about 40 characters beside a record id).
    for (const r of records()) assert.ok(String(a.datasets.getTreeItem(r).description).length <= 30, String(a.datasets.getTreeItem(r).description));
    const bad = item("6");
    assert.equal(bad.label, "record 6");
    assert.equal(bad.description, "line 7 · unreadable");
    assert.match(String(bad.tooltip), /gsm8k-sample\.jsonl:7/);
    assert.equal(item("gsm8k-147").command?.command, "steplens.openRecord");
  });

  test("opening a record shows a read-only trace that gets scored; its prediction reaches the tree", async function () {
    this.timeout(90_000);
    const open = item("gsm8k-147").command!;
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>(open.command, ...(open.arguments ?? []));
    assert.ok(editor, "the record opened");
    const doc = editor.document;
    assert.equal(doc.uri.scheme, "steplens-record");
    assert.equal(doc.languageId, "steplens-trace");
    assert.ok(a.isTrace(doc));
    assert.equal(a.getTrace(doc)!.steps.length, 4);
    assert.match(doc.getText(), /^# Record gsm8k-147 — gsm8k-sample\.jsonl \(dataset: first error at step 2\)/);
    // Step ranges point at the rendered steps.
    const s2 = a.getTrace(doc)!.steps[1]!;
    assert.ok(
      doc.getText(new vscode.Range(s2.range!.start.line, s2.range!.start.character, s2.range!.end.line, s2.range!.end.character)).startsWith("Step 2: "),
    );
    await waitForScores(a, doc);
    const { text } = await hoverText(doc.uri, insideStep(a, doc, 1));
    assert.match(text, /\*\*PRM\*\*/);
    assert.match(text, /\*\*Dataset\*\* first error/);
    const desc = await waitFor(
      "a prediction in the tree",
      () => String(item("gsm8k-147").description),
      (d) => !d.endsWith("→ —"),
    );
    assert.match(desc, /^step 2 → (step \d|correct) [✓✗]$/);
  });

  test("a label on a record step is stored under <dataset>#<id> and shows in the tree", async () => {
    // The record the previous test opened (other suites may have left other record documents open).
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === "steplens-record" && d.uri.path.endsWith("/gsm8k-147.trace.md"))!;
    assert.ok(doc);
    assert.equal(await vscode.commands.executeCommand("steplens.markStepFirstError", { uri: doc.uri.toString(), step: 1 }), true);
    const lines = await waitFor(
      "the record's label line",
      () => readLabelLines(),
      (l) => l.some((x) => x.trace === "datasets/gsm8k-sample.jsonl#gsm8k-147"),
    );
    assert.deepEqual(
      lines.find((x) => x.trace.endsWith("#gsm8k-147")),
      { ...lines.find((x) => x.trace.endsWith("#gsm8k-147"))!, step: 1, label: "first-error" },
    );
    await waitFor(
      "'labelled' in the tree",
      () => String(item("gsm8k-147").description),
      (d) => d.endsWith("· labelled"),
    );
  });

  test("filters: mismatches only, by label, cleared", async () => {
    await vscode.commands.executeCommand("steplens.filterMismatches", root());
    const agree = dataset.index.summary(2).agreement;
    assert.deepEqual(
      records().map((r) => r.summary.id),
      agree === false ? ["gsm8k-147"] : [],
    );
    assert.match(String(a.datasets.getTreeItem(root()).description), /of 7 \(filtered\)/);
    assert.match(String(a.datasets.getTreeItem(root()).tooltip), /Filter: mismatches only/);
    a.datasets.setFilter(root().dataset, { label: "correct" });
    assert.deepEqual(
      records().map((r) => r.summary.id),
      ["gsm8k-386", "gsm8k-337"],
    );
    a.datasets.setFilter(root().dataset, { label: 0 });
    assert.deepEqual(
      records().map((r) => r.summary.id),
      ["gsm8k-126", "gsm8k-26"],
    );
    await vscode.commands.executeCommand("steplens.clearFilters", root());
    assert.equal(records().length, 7);
  });

  test("Load Predictions… attaches a predictions JSONL and the agreement shows", async () => {
    const preds = path.join(os.tmpdir(), `steplens-preds-${process.pid}.jsonl`);
    fs.writeFileSync(
      preds,
      ['{"id":"gsm8k-126","prediction":0}', '{"id":"gsm8k-386","prediction":1}', '{"id":"nope","prediction":2}', "not json", ""].join("\n"),
    );
    try {
      const r = await vscode.commands.executeCommand<{ matched: number; unknown: number; bad: number }>("steplens.loadPredictions", root(), preds);
      assert.deepEqual(r, { matched: 2, unknown: 1, bad: 1 });
      assert.equal(item("gsm8k-126").description, "step 1 → step 1 ✓");
      assert.equal(item("gsm8k-386").description, "correct → step 2 ✗");
      assert.match(String(a.datasets.getTreeItem(root()).description), /\d\/3 agree$/);
    } finally {
      fs.rmSync(preds, { force: true });
    }
  });
});
