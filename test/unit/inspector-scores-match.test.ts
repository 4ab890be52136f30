/**
 * The dashboard's "Load scores…" toast says what was matched and why the rest was not (issue 18:
 * "429 records with step scores, 0 predictions (400 in this dataset)"). A raw.jsonl of an eval run
 * over two subsets, loaded on one subset's dataset: the counts are hand-computed from the lines
 * written here.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { matchScores, readScoresFile, scoresMatchMessage } from "../../src/inspector/scoresFile";

test("matched by id, with why the rest was not: another subset's ids, bad lines", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-scores-match-"));
  try {
    const raw = path.join(dir, "raw.jsonl");
    const lines = [
      ...Array.from({ length: 4 }, (_, i) => JSON.stringify({ id: `gsm8k-${i}`, subset: "gsm8k", scores: [0.9, 0.2] })),
      JSON.stringify({ id: "gsm8k-9", subset: "gsm8k", prediction: 1 }),
      ...Array.from({ length: 3 }, (_, i) => JSON.stringify({ id: `math-${i}`, subset: "math", scores: [0.5] })),
      "{ not json",
    ];
    fs.writeFileSync(raw, lines.join("\n") + "\n");
    const read = await readScoresFile(dir);
    const ids = new Set(["gsm8k-0", "gsm8k-1", "gsm8k-2", "gsm8k-3", "gsm8k-9", "gsm8k-10"]);
    const m = matchScores(read, (id) => ids.has(id), { name: "gsm8k.json", size: 6 });
    assert.deepEqual(
      { inFile: m.inFile, scores: m.matchedScores, predictions: m.matchedPredictions, unmatched: m.unmatched, subsets: m.unmatchedSubsets, bad: m.bad },
      { inFile: 8, scores: 4, predictions: 1, unmatched: 3, subsets: ["math"], bad: 1 },
    );
    assert.equal(
      scoresMatchMessage("raw.jsonl", m),
      "Matched 5 of the 8 records in raw.jsonl to gsm8k.json by id: 4 with step scores, 1 with a prediction only. The other 3 are not in this dataset (ids like math-0, math-1, math-2; subset math); 1 bad line skipped.",
    );
    const none = matchScores(read, () => false, { name: "other.json", size: 2 });
    assert.match(
      scoresMatchMessage("raw.jsonl", none),
      /^None of the 8 records in raw\.jsonl is in other\.json \(2 records\): the ids differ \(ids like gsm8k-0/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
