/**
 * A synthesis folder read as a dataset (src/datasets/synthesisRecords.ts): the solutions indexed by
 * DatasetIndex with the aggregated labels as ground truth, and the K verdicts per step.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DatasetIndex } from "../../src/datasets/datasetIndex";
import { loadSynthesisOverlay, stepVotes, synthesisRecordReader } from "../../src/datasets/synthesisRecords";
import { writeSynthesisFolder } from "./export-fixtures";

describe("synthesis folder as a dataset", () => {
  let dir: string;
  before(() => {
    dir = writeSynthesisFolder(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sl-synth-ds-")), "run"));
    fs.appendFileSync(path.join(dir, "labels.jsonl"), '{"id": "p3#s2", "solutionId": "p3#s2", "labels": [tr'); // being written
  });
  after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it("indexes the solutions with the aggregate's first error as ground truth; verdicts per step and verification", async () => {
    const overlay = await loadSynthesisOverlay(dir);
    const index = await DatasetIndex.build(path.join(dir, "solutions.jsonl"), {
      detected: { format: "jsonl", container: "jsonl", reason: "test" },
      reader: synthesisRecordReader(overlay),
    });
    assert.equal(index.size, 9);
    const truth = Array.from({ length: index.size }, (_, i) => [index.summary(i).id, index.summary(i).groundTruth]);
    assert.deepEqual(truth, [
      ["p1#s0", -1],
      ["p1#s1", 0],
      ["p1#s2", -1],
      ["p2#s0", -1],
      ["p2#s1", 0],
      ["p2#s2", 1],
      ["p3#s0", -1],
      ["p3#s1", -1],
      ["p3#s2", null],
    ]);
    const info = overlay.bySolution.get("p2#s2")!;
    assert.equal(info.verifications.length, 2);
    assert.deepEqual(stepVotes(info, 1), { marks: "-+", correct: 1, incorrect: 1, notGiven: 0 });
    assert.equal(overlay.bySolution.get("p3#s2"), undefined, "a torn label line is not read");
    const trace = await index.loadTrace(5);
    assert.deepEqual(trace.labels, { kind: "per-step", steps: [true, false, null], firstError: 1 });
    assert.equal(trace.source.id, "p2#s2");
  });
});
