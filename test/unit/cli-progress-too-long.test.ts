/**
 * `steplens progress` on a trace with a 3 MB step (issue 18): the too-long message naming the step
 * and the limit, exit 1, not "Maximum call stack size exceeded"; in a dataset the other records are
 * still estimated. Generated tiny model with RANDOM weights (plumbing, not judgement).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { testModel } from "../support/testModels";
import { cli } from "../support/cliIo";
import { suiteTempDir } from "../support/tempDir";

describe("steplens progress: a step no context can hold", () => {
  const tmp = suiteTempDir("sl-progress-long-");
  let model: string;
  const fast = () => ["--model", model, "--rollouts", "2", "--max-tokens", "4", "--threads", "1"];
  before(async () => {
    model = await testModel({ tokenizer: "spm" });
  });

  it("a 3 MB step: the too-long message with the step and the limit, exit 1", async () => {
    const trace = path.join(tmp.path, "big.trace.md");
    const step = "x = 1 + 1. ".repeat(300_000); // 3,300,000 characters
    fs.writeFileSync(trace, `Problem: What is 1 + 1?\n\nStep 1: ${step}\nStep 2: So the answer is \\boxed{2}.\n`);
    const r = await cli(["progress", trace, ...fast()]);
    assert.equal(r.code, 1, r.err);
    assert.doesNotMatch(r.err, /call stack/);
    assert.match(r.err, /step 1 is 33000\d\d characters; a 4096-token context holds at most 262144/);
    assert.match(r.err, /big\.trace\.md/);
  });

  it("in a dataset: the long record is reported at its line, the others are estimated", async () => {
    const ds = path.join(tmp.path, "ds.jsonl");
    const rec = (id: string, steps: string[]) => JSON.stringify({ id, problem: "What is 1 + 1?", steps, label: -1 });
    fs.writeFileSync(
      ds,
      [rec("ok-1", ["1 + 1 = 2.", "\\boxed{2}"]), rec("long", ["y".repeat(3_000_000), "\\boxed{2}"]), rec("ok-2", ["2.", "\\boxed{2}"])].join("\n") + "\n",
    );
    const r = await cli(["progress", ds, ...fast(), "--json"]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /ds\.jsonl:2: step 1 is 30000\d\d characters/);
    assert.match(r.err, /1 of 3 traces failed/);
    const ids = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).id);
    assert.deepEqual(ids, ["ok-1", "ok-2"]);
  });
});
