// `steplens synthesize` sized to the verifier's context (issue 20's demo path), through the real CLI
// on the generated tiny GGUF (RANDOM WEIGHTS: plumbing, not judgement):
// (The sizing of solutions to the verifier's context is tested on the real model, realmodel-synthesis.test.ts:
// a random model's text tokenizes far longer than it was generated.)
// - a solution that still cannot be verified is recorded once (not once per verification), does not
//   fail the run, and the printed redo command raises --context-size; --retry-failed with it labels it;
// - constrained verdicts (--constrained) always close: every verification parses.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { testModel } from "../support/testModels";
import { synthesizeArgs } from "../../src/pipelines/pipelineArgs";
import { constrainedTokenBudget, critiqueCharsFor, worstCaseJsonBytes, verificationSchema } from "../../src/verify/constrainedSchema";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-synth-sizing-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let model: string;
before(async () => {
  model = await testModel({ tokenizer: "spm", chatTemplate: true });
});

function lines(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

test("the worst-case size of the verdict JSON matches node-llama-cpp's grammar, counted by hand", () => {
  // From the GBNF node-llama-cpp 3.22 writes for one step with maxLength 3 (whitespace at its longest:
  // "\n" + 4 spaces per level; each string character at its longest, a 6-byte \uXXXX escape):
  // step object: { ws13 "critique" : sp string(2+18) , ws13 "verdict" : sp "incorrect" ws9 }      = 92
  // steps object: { ws9 "step_1" : sp <92> ws5 }                                                    = 118
  // root: { ws5 "steps" : sp <118> , ws5 "answerCorrect" : sp "yes" ws1 }                          = 163
  assert.equal(worstCaseJsonBytes(verificationSchema("spark", 1, { maxCritiqueChars: 3 })), 163);
  assert.equal(constrainedTokenBudget("spark", 1, 3), 163 + 4); // + the four line breaks the grammar ends with
  // Each extra step: "," ws9 + "step_k" entry; each critique character 6 bytes.
  assert.equal(constrainedTokenBudget("spark", 2, 3) - constrainedTokenBudget("spark", 1, 3), 1 + 9 + 8 + 2 + 92);
  // Fitting: the longest critique whose worst case still fits the limit, null when the structure alone does not.
  const chars = critiqueCharsFor("spark", 3, 800, 300)!;
  assert.ok(constrainedTokenBudget("spark", 3, chars) <= 800 && constrainedTokenBudget("spark", 3, chars + 1) > 800);
  assert.equal(critiqueCharsFor("spark", 3, constrainedTokenBudget("spark", 3, 0) - 1, 300), null);
  assert.equal(critiqueCharsFor("spark", 1, 100_000, 300), 300, "capped at the asked length");
  const pb = critiqueCharsFor("processbench", 4, 500, 300)!;
  assert.ok(constrainedTokenBudget("processbench", 4, pb) <= 500 && constrainedTokenBudget("processbench", 4, pb + 1) > 500);
});

test("a solution that cannot be verified is recorded once, does not fail the run, and the redo command raises --context-size", async () => {
  // The tiny model's SentencePiece vocabulary writes SPARK's verifier prompt in ~2,300 tokens: over a 2048-token context.
  const problems = path.join(dir, "long.jsonl");
  fs.writeFileSync(problems, JSON.stringify({ id: "long", question: "What is 12 + 30?" }) + "\n");
  const out = path.join(dir, "unverifiable");
  const base = ["synthesize", "--problems", problems, "--out", out, "--model", model, "--solutions", "2", "--verifications", "3", "--max-tokens", "16"];
  const r = await cli([...base, "--gpu", "off", "--threads", "1", "--context-size", "2048"]);
  assert.equal(r.code, 0, r.err);
  const failures = lines(path.join(out, "failures.jsonl"));
  assert.deepEqual(failures.map((f) => [f.target, f.stage]).sort(), [
    ["long#s0", "unverifiable"],
    ["long#s1", "unverifiable"],
  ]);
  for (const f of failures) assert.match(f.error as string, /context/);
  assert.equal(lines(path.join(out, "verifications.jsonl")).length, 0);
  assert.match(r.out, /Not verifiable: 2 solutions/);
  const redo = /steplens synthesize (.*) --retry-failed/.exec(r.err);
  assert.ok(redo, r.err);
  const [, redoArgs] = redo;
  assert.ok(redoArgs !== undefined, "the redo command's arguments");
  assert.match(redoArgs, /--context-size 4096$/);
  assert.equal((redoArgs.match(/--context-size/g) ?? []).length, 1, "the old --context-size is replaced, not repeated");
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")).status, "complete");

  // Resumed as is: recorded once, not again.
  const again = await cli([...base, "--gpu", "off", "--threads", "1", "--context-size", "2048", "--resume", "--json"]);
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out).written.failures, 0);
  assert.equal(lines(path.join(out, "failures.jsonl")).length, 2);

  // The redo command (with the larger context) verifies and labels them.
  const words = redoArgs.split(" ").map((w) => w.replace(/^'(.*)'$/, "$1"));
  const done = await cli(["synthesize", ...words, "--retry-failed", "--json"]);
  assert.equal(done.code, 0, done.err);
  assert.equal(lines(path.join(out, "verifications.jsonl")).length, 6);
  assert.equal(lines(path.join(out, "labels.jsonl")).length, 2);
  assert.equal(JSON.parse(done.out).unverifiable.total, 0);
});

test("--constrained: every verification parses and closes before its token limit", async () => {
  const problems = path.join(dir, "c.jsonl");
  fs.writeFileSync(problems, JSON.stringify({ id: "c", question: "What is 7 - 2?" }) + "\n");
  const out = path.join(dir, "constrained");
  const r = await cli([
    "synthesize",
    "--problems",
    problems,
    "--out",
    out,
    "--model",
    model,
    "--solutions",
    "2",
    "--verifications",
    "4",
    "--max-tokens",
    "24",
    "--constrained",
    "--max-critique-chars",
    "40",
    "--context-size",
    "4096",
    "--gpu",
    "off",
    "--threads",
    "1",
  ]);
  assert.equal(r.code, 0, r.err);
  const ver = lines(path.join(out, "verifications.jsonl"));
  assert.equal(ver.length, 8);
  for (const v of ver) {
    assert.equal(v.finishReason, "stop", `${v.id} closed: ${String(v.text).slice(0, 120)}`);
    assert.equal((v.parse as { ok: boolean }).ok, true, `${v.id} parsed`);
  }
  for (const l of lines(path.join(out, "labels.jsonl"))) assert.equal(l.status, "labelled");
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")).settings.constrained, 40);
});

test('the editor\'s synthesis task carries the local engine settings and, run again as is ("recently used"), resumes its folder', async () => {
  const problems = path.join(dir, "task.jsonl");
  fs.writeFileSync(problems, JSON.stringify({ id: "t", question: "What is 1 + 1?" }) + "\n");
  const args = synthesizeArgs({
    problems,
    out: path.join(dir, "task-run"),
    solutions: 1,
    verifications: 2,
    aggregate: "step",
    tau: 0.5,
    metaCritique: false,
    generator: { model },
    verifier: { model },
    local: { contextSize: 4096, maxThreads: 1, gpu: "off" },
    constrained: true,
  });
  assert.deepEqual(args.slice(args.indexOf("--context-size"), args.indexOf("--context-size") + 2), ["--context-size", "4096"]);
  assert.ok(args.includes("--constrained") && args.at(-1) === "--resume");
  const first = await cli(["synthesize", ...args, "--max-tokens", "16", "--json"]);
  assert.equal(first.code, 0, first.err);
  assert.equal(JSON.parse(first.out).written.labels, 1);
  const rerun = await cli(["synthesize", ...args, "--max-tokens", "16", "--json"]);
  assert.equal(rerun.code, 0, rerun.err);
  const s = JSON.parse(rerun.out);
  assert.equal(s.resumed, true);
  assert.deepEqual(s.written, { solutions: 0, verifications: 0, labels: 0, failures: 0 });
});

test("export says precisely why a synthesis folder has no usable labels (every verification malformed)", async () => {
  const problems = path.join(dir, "free.jsonl");
  fs.writeFileSync(problems, ["What is 3 + 3?", "What is 5 * 2?"].map((q, i) => JSON.stringify({ id: `f${i}`, question: q })).join("\n") + "\n");
  const out = path.join(dir, "free-text");
  const args = ["--problems", problems, "--out", out, "--model", model, "--solutions", "2", "--verifications", "2", "--max-tokens", "8"];
  const r = await cli(["synthesize", ...args, "--gpu", "off", "--threads", "1", "--json"]);
  assert.equal(r.code, 0, r.err);
  // Independent count: the verification records that did not parse.
  const ver = lines(path.join(out, "verifications.jsonl"));
  const malformed = ver.filter((v) => !(v.parse as { ok: boolean }).ok).length;
  assert.equal(malformed, ver.length, "a random model at 8 tokens never writes a verdict");
  const e = await cli(["export", out, "--format", "trl-prm", "--out", path.join(dir, "free.trl.jsonl")]);
  assert.equal(e.code, 1);
  assert.match(e.err, new RegExp(`all ${ver.length} verifications of 4 solutions were malformed`));
  assert.match(e.err, /--constrained/);
});

test("the help's own example, --model demo: exit 0, constrained demo verdicts label every step, export writes rows", { timeout: 300_000 }, async () => {
  const problems = path.join(dir, "problems.jsonl");
  fs.writeFileSync(
    problems,
    ["What is 2 + 2?", "What is 9 - 4?", "What is 3 * 5?"].map((q, i) => JSON.stringify({ id: `d${i}`, question: q })).join("\n") + "\n",
  );
  const env = { STEPLENS_OFFLINE: "1", STEPLENS_MODEL_CACHE: path.join(dir, "model-cache") };
  const out = path.join(dir, "synth");
  // As in `steplens synthesize --help` (plus a thread count for the shared machine).
  const r = await cli(
    ["synthesize", "--problems", problems, "--out", out, "--model", "demo", "--solutions", "2", "--verifications", "2", "--threads", "1", "--json"],
    {
      env,
    },
  );
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.equal(summary.status, "complete");
  assert.equal(summary.failures.total, 0);
  const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  assert.equal(m.settings.constrained, 80, "the demo verifier is constrained by itself");
  for (const v of lines(path.join(out, "verifications.jsonl"))) assert.equal((v.parse as { ok: boolean }).ok, true, `${v.id} parsed`);
  const labels = lines(path.join(out, "labels.jsonl"));
  assert.equal(labels.length + summary.unverifiable.total, 6);
  for (const l of labels) if ((l.stepCount as number) > 0) assert.equal(l.status, "labelled");
  const file = path.join(dir, "demo.trl.jsonl");
  const e = await cli(["export", out, "--format", "trl-prm", "--out", file], { env });
  assert.equal(e.code, 0, e.err);
  assert.ok(lines(file).length > 0);
});
