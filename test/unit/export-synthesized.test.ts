/**
 * `steplens export` on a folder that the real `steplens synthesize` wrote (against the fake
 * OpenAI-compatible endpoint of test/support/fakeOpenAiServer.ts, whose verifier flags step 2 on
 * one endpoint and not on the other): the reader matches the synthesis output as it is, not only the
 * hand-made fixture.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseVerification } from "../../src/verify/verdictParser";
import { cli, flags } from "../support/cliIo";
import { FAKE_SOLUTION, startFakeServer } from "../support/fakeOpenAiServer";
import { readParquetIndependently } from "../support/parquetReader";
import { readJsonl } from "./export-fixtures";
import { itemAt } from "../support/indexing";

describe("steplens export of a real synthesis folder", () => {
  let dir: string;
  let run: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-export-synth-"));
    const problems = path.join(dir, "problems.jsonl");
    fs.writeFileSync(problems, Array.from({ length: 4 }, (_, i) => JSON.stringify({ id: `q${i}`, problem: `What is ${i} + 3?` })).join("\n") + "\n");
    const server = await startFakeServer({ secondStep: "incorrect" });
    try {
      run = path.join(dir, "run");
      const r = await cli([
        "synthesize",
        ...flags({ problems, out: run, endpoint: server.url, "api-model": "fake-model", solutions: 2, verifications: 3, "max-tokens": 16 }),
      ]);
      assert.equal(r.code, 0, r.err);
    } finally {
      await server.close();
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("every format exports the labelled solutions; labels and targets agree with labels.jsonl", async () => {
    const labels = readJsonl(path.join(run, "labels.jsonl"));
    assert.equal(labels.length, 8);
    const expected = labels.map((l) => l.labels as (boolean | null)[]);
    assert.ok(
      expected.every((l) => l.length === 2 && l[1] === false),
      "the fake verifier flags step 2",
    );

    const trl = path.join(dir, "trl.jsonl");
    let r = await cli(["export", run, "--format", "trl-prm", "--out", trl]);
    assert.equal(r.code, 0, r.err);
    const trlRows = readJsonl(trl);
    assert.equal(trlRows.length, 8);
    assert.deepEqual(
      trlRows.map((x) => x.labels),
      expected,
    );
    assert.deepEqual(trlRows[0]?.completions, ["Add 2 and 3 to get 5.", "Check: 5 - 3 = 2."]);

    const cot = path.join(dir, "cot.jsonl");
    r = await cli(["export", run, "--format", "prm-cot-sft", "--out", cot]);
    assert.equal(r.code, 0, r.err);
    const cotRows = readJsonl(cot);
    assert.equal(cotRows.length, 8, "every solution has a verification that agrees with its labels");
    const [user, assistant] = itemAt(cotRows, 0, "the first verification").messages as { role: string; content: string }[];
    assert.ok(user && assistant, "a user and an assistant message");
    assert.equal(user.content, `Problem: What is 0 + 3?\n\nStudent Solution: ${FAKE_SOLUTION}\n\nLet's verify step by step.`);
    const parsed = parseVerification(assistant.content, { stepCount: 2 });
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.steps.map((s) => s.verdict),
      ["correct", "incorrect"],
    );

    const rl = path.join(dir, "rl.parquet");
    r = await cli(["export", run, "--format", "verl-parquet", "--out", rl]);
    assert.equal(r.code, 0, r.err);
    const t = readParquetIndependently(fs.readFileSync(rl));
    assert.equal(t.rows.length, 4);
    assert.deepEqual(
      t.rows.map((x) => (x.extra_info as { problem_id: string }).problem_id),
      ["q0", "q1", "q2", "q3"],
    );
    assert.equal((itemAt(t.rows, 0, "the first row").reward_model as { style: string }).style, "model");

    // All solutions of a problem agree (both incorrect): --drop-unanimous leaves nothing, and says so.
    r = await cli(["export", run, "--format", "processbench", "--out", path.join(dir, "pb.jsonl"), "--drop-unanimous"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /dropped 4 problems whose solutions all agree/);
  });
});
