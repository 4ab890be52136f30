// "Open Dataset in StepLens" on a folder of subsets (issue 18: it refused a folder; ProcessBench comes
// as four files): every subset of examples/processbench opens, in the benchmark's order, with its
// records and labels (counts from the example files themselves).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { OpenDataset } from "../../src/extension/datasetTree";
import { api } from "./editorSupport";

suite("Open Dataset on a folder of subsets", () => {
  const dir = path.resolve(__dirname, "../../../examples/processbench");
  const subsets = ["gsm8k", "math", "olympiadbench", "omnimath"].map((s) => path.join(dir, `${s}.json`));

  suiteTeardown(async () => {
    for (const f of subsets) await vscode.commands.executeCommand("steplens.closeDataset", f);
  });

  test("the four subsets open as datasets of the tree, each with its records and ground truth", async function () {
    this.timeout(60_000);
    assert.ok(fs.existsSync(dir), dir);
    const a = await api();
    const first = await vscode.commands.executeCommand<OpenDataset>("steplens.openDataset", vscode.Uri.file(dir));
    assert.equal(first?.file, subsets[0], "the first subset in ProcessBench's order");
    for (const file of subsets) {
      const node = a.datasets.getChildren().find((n) => n.kind === "dataset" && n.dataset.file === file);
      assert.ok(node && node.kind === "dataset", `${path.basename(file)} is open`);
      const rows = JSON.parse(fs.readFileSync(file, "utf8")) as { id: string; label: number }[];
      assert.equal(node.dataset.index.size, rows.length);
      assert.deepEqual(
        rows.map((_, i) => node.dataset.index.summary(i).groundTruth),
        rows.map((r) => r.label),
      );
    }
  });
});
