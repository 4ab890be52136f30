/**
 * The reward output's wording (issue 18: "1 steps"): one step is "1 step", in `steplens reward`'s
 * text line and in the format gate's step-count detail. Generated tiny model (RANDOM WEIGHTS: the
 * reward value means nothing; the wording is checked).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { applyFormatGate, DEFAULT_GATE_RULES } from "../../src/rewards/formatGate";
import { cli } from "../support/cliIo";
import { serveTestModel } from "./serve-fixture";

test("one step is '1 step': the gate's detail and the reward line", async () => {
  const rules = { ...DEFAULT_GATE_RULES, stepCount: true, minSteps: 3, maxSteps: 20 };
  const one = applyFormatGate("Step 1: 1 + 1 = 2.\n<answer>\\boxed{2}</answer>", rules);
  assert.ok(
    one.details.some((d) => /^1 step \(allowed: 3 to 20\)/.test(d)),
    one.details.join("; "),
  );
  const two = applyFormatGate("Step 1: 1 + 1 = 2.\nStep 2: So 2.\n<answer>\\boxed{2}</answer>", rules);
  assert.ok(
    two.details.some((d) => /^2 steps \(allowed/.test(d)),
    two.details.join("; "),
  );

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sl-reward-wording-"));
  try {
    const file = path.join(tmp, "one.jsonl");
    fs.writeFileSync(file, JSON.stringify({ prompt: "What is 1 + 1?", response: "Step 1: 1 + 1 = 2.\n<answer>\\boxed{2}</answer>" }) + "\n");
    const r = await cli(["reward", file, "--model", await serveTestModel(), "--gpu", "off"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\(1 step, /);
    assert.doesNotMatch(r.out, /1 steps/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
