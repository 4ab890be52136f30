/**
 * Which files of a folder open as its subsets (src/datasets/datasetFolder.ts): dataset files directly
 * inside it, ProcessBench's order first, then by name; no links, dot files, other extensions or
 * sub-folders.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { datasetFilesIn } from "../../src/datasets/datasetFolder";
import { repoRoot } from "../support/repo";

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
