/**
 * A folder of subsets as one dataset (issue 18: "Open Dataset in StepLens" refused a folder, and
 * ProcessBench comes as four files): which files are its subsets (src/datasets/datasetFolder.ts:
 * dataset files directly inside it, ProcessBench's order first; no links, dot files, other
 * extensions or sub-folders), and the joined index (DatasetIndex.concat), checked against the
 * example files' own records.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { datasetFilesIn } from "../../src/datasets/datasetFolder";
import { DatasetIndex } from "../../src/datasets/datasetIndex";
import { repoRoot } from "../support/repo";
import { itemAt } from "../support/indexing";

test("a folder's dataset files: ProcessBench's subsets in the benchmark's order, then the rest by name", () => {
  assert.deepEqual(
    datasetFilesIn(path.join(repoRoot(), "examples/processbench")).map((f) => path.basename(f)),
    ["gsm8k.json", "math.json", "olympiadbench.json", "omnimath.json"],
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-dataset-folder-"));
  try {
    for (const f of ["b.jsonl", "math.json", "a.ndjson", "notes.txt", ".hidden.json", "gsm8k.json"]) fs.writeFileSync(path.join(dir, f), "[]");
    fs.mkdirSync(path.join(dir, "sub.json"));
    fs.symlinkSync(path.join(dir, "b.jsonl"), path.join(dir, "link.jsonl"));
    assert.deepEqual(
      datasetFilesIn(dir).map((f) => path.basename(f)),
      ["gsm8k.json", "math.json", "a.ndjson", "b.jsonl"],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a folder of subsets indexes as one dataset: records in order, ground truth, ids, each record read from its own file", async () => {
  const dir = path.join(repoRoot(), "examples/processbench");
  const files = datasetFilesIn(dir);
  const index = DatasetIndex.concat(dir, await Promise.all(files.map((f) => DatasetIndex.build(f))));
  const rows = files.flatMap((f) => JSON.parse(fs.readFileSync(f, "utf8")) as { id: string; label: number; problem: string }[]);
  assert.equal(index.size, 16);
  assert.equal(index.file, dir);
  assert.deepEqual(index.files, files);
  assert.deepEqual(
    rows.map((_, i) => [index.id(i), index.summary(i).groundTruth]),
    rows.map((r) => [r.id, r.label]),
  );
  assert.equal(
    index.recordOf("omnimath-867"),
    rows.findIndex((r) => r.id === "omnimath-867"),
  );
  for (const i of [0, 5, 10, 15]) assert.equal((await index.loadTrace(i)).problem, itemAt(rows, i, `row ${i}`).problem.trim(), `record ${i}`);
  assert.deepEqual(index.setPredictionsById([{ id: "math-447", prediction: 0 }]), { matched: 1, unknownIds: [], unknownCount: 0 });
  assert.deepEqual(index.agreement(), { compared: 1, agree: 1 });

  // A bad record in the second file keeps naming that file and its line.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sl-dataset-folder-bad-"));
  try {
    fs.writeFileSync(path.join(tmp, "gsm8k.jsonl"), JSON.stringify({ id: "a", problem: "p", steps: ["x"], label: -1 }) + "\n");
    fs.writeFileSync(path.join(tmp, "math.jsonl"), JSON.stringify({ id: "b", problem: "p", steps: ["x"], label: 0 }) + "\n{ not json\n");
    const joined = DatasetIndex.concat(tmp, await Promise.all(datasetFilesIn(tmp).map((f) => DatasetIndex.build(f))));
    assert.equal(joined.size, 3);
    assert.equal(joined.summary(2).bad, true);
    assert.match(itemAt(joined.problems(), 0, "the bad record's problem").format(), /math\.jsonl:2: /);
    assert.throws(() => DatasetIndex.concat(tmp, []), /no dataset file in this folder/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
