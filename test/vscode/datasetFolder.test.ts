// "Open Dataset in StepLens" on a folder of subsets (issue 18: it refused a folder; ProcessBench comes
// as four files): examples/processbench opens as ONE dataset of the tree, its 16 records in
// ProcessBench's subset order with their ground truth (from the example files themselves), and a
// record of the third subset opens as a trace read from its own file.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { OpenDataset } from "../../src/extension/datasetTree";
import { api, closeAllEditors } from "./editorSupport";

suite("Open Dataset on a folder of subsets", () => {
  const dir = path.resolve(__dirname, "../../../examples/processbench");
  const subsets = ["gsm8k", "math", "olympiadbench", "omnimath"].map((s) => path.join(dir, `${s}.json`));

  suiteTeardown(async () => {
    await closeAllEditors();
    await vscode.commands.executeCommand("steplens.closeDataset", dir);
  });

  test("the folder is one dataset: every subset's records, in order, with their ground truth; a record opens from its own file", async function () {
    this.timeout(60_000);
    const a = await api();
    const opened = await vscode.commands.executeCommand<OpenDataset>("steplens.openDataset", vscode.Uri.file(dir));
    assert.equal(opened?.file, dir);
    const roots = a.datasets.getChildren().filter((n) => n.kind === "dataset" && (n.dataset.file === dir || subsets.includes(n.dataset.file)));
    assert.equal(roots.length, 1, "one dataset, not four");
    const rows = subsets.flatMap((f) => JSON.parse(fs.readFileSync(f, "utf8")) as { id: string; label: number; problem: string }[]);
    assert.equal(opened.index.size, rows.length);
    assert.deepEqual(
      rows.map((_, i) => [opened.index.id(i), opened.index.summary(i).groundTruth]),
      rows.map((r) => [r.id, r.label]),
    );
    const [root] = roots;
    assert.ok(root, "the folder's dataset is in the tree");
    assert.equal(String(a.datasets.getTreeItem(root).label), "processbench");
    const record = 9; // the second olympiadbench item
    const row = rows[record];
    assert.ok(row, `the subsets have a record ${record}`);
    await vscode.commands.executeCommand("steplens.openRecord", { dataset: dir, record, id: row.id });
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor?.document.getText().includes(row.problem.trim().slice(0, 40)), editor?.document.getText().slice(0, 200));
  });
});
