// `steplens synthesize` options end to end through the CLI, against a fake OpenAI-compatible endpoint
// (canned solution "… Answer: 5" and a SPARK-format verification): reference-guided mode graded with
// the answer grader, meta-critique, the aggregate rule, the TTY progress display, and Ctrl-C (the
// abort signal) stopping cleanly with the resume command.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { startFakeServer, type FakeServer } from "../support/fakeOpenAiServer";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-synth-pipe-"));
const problems = path.join(dir, "problems.jsonl");
fs.writeFileSync(
  problems,
  [JSON.stringify({ id: "right", problem: "What is 2 + 3?", gold: "5" }), JSON.stringify({ id: "wrong", problem: "What is 2 + 4?", gold: "$6$" })].join("\n") +
    "\n",
);
let server: FakeServer;
before(async () => {
  server = await startFakeServer({ secondStep: "incorrect" });
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const read = (f: string) =>
  fs
    .readFileSync(f, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const base = () => ["synthesize", "--problems", problems, "--endpoint", server.url, "--solutions", "2", "--verifications", "2", "--max-retries", "0"];

test("reference-guided: the verifier gets the expected answer, each solution is graded by the answer grader", async () => {
  const out = path.join(dir, "ref");
  const r = await cli([...base(), "--out", out, "--reference-field", "gold", "--aggregate", "first-error"]);
  assert.equal(r.code, 0, r.err);
  const sols = read(path.join(out, "solutions.jsonl"));
  const byId = Object.fromEntries(sols.map((s) => [s.id, s]));
  assert.equal(byId["right#s0"].answerCorrect, true);
  assert.equal(byId["right#s0"].predicted, "5");
  assert.equal(byId["wrong#s1"].answerCorrect, false);
  assert.deepEqual(byId["right#s0"].steps, ["Add 2 and 3 to get 5.", "Check: 5 - 3 = 2."], "the editor's segmenter cut the steps");
  assert.equal(byId["right#s0"].finalAnswer, "5");
  assert.ok(read(path.join(out, "verifications.jsonl")).every((v) => v.referenceGuided === true));
  const lab = read(path.join(out, "labels.jsonl")).find((l) => l.id === "wrong#s0");
  assert.equal(lab.rule, "first-error");
  assert.deepEqual(lab.labels, [true, false]);
  assert.deepEqual(lab.reference, { answer: "$6$", predicted: "5", correct: false });
  assert.equal(lab.explanationId, "wrong#s0#v0");
});

test("meta-critique: critique and merge of the explanation verification; its verdicts give the labels", async () => {
  const out = path.join(dir, "meta");
  const before = server.stats.answered;
  const r = await cli([...base(), "--out", out, "--meta-critique", "--json"]);
  assert.equal(r.code, 0, r.err);
  // 2 problems × 2 solutions: 2 generations each (seeded: one request per sample), 2 verifications, then critique + merge.
  assert.equal(server.stats.answered - before, 4 + 8 + 8);
  const lab = read(path.join(out, "labels.jsonl"))[0];
  assert.equal(lab.source, "meta-critique");
  assert.equal(lab.metaCritique.of, `${lab.id}#v0`);
  assert.equal(lab.metaCritique.ok, true);
  assert.deepEqual(lab.metaCritique.labels, [true, false]);
  assert.match(lab.metaCritique.critique, /This step is/);
  const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  assert.equal(m.settings.metaCritique, true);
});

test("progress on a terminal: per stage done/total, redrawn in place; Ctrl-C stops cleanly and prints the resume command", async () => {
  const out = path.join(dir, "stop");
  const slow = await startFakeServer({ delayMs: 30 });
  try {
    const controller = new AbortController();
    const args = ["synthesize", "--problems", problems, "--out", out, "--endpoint", slow.url, "--solutions", "4", "--verifications", "4", "--concurrency", "1"];
    const running = cli(args, { signal: controller.signal, isTTY: true });
    for (let i = 0; slow.stats.answered < 6; i++) {
      assert.ok(i < 3000, "the run got going");
      await new Promise((r) => setTimeout(r, 5));
    }
    controller.abort();
    const r = await running;
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /\r\x1b\[Ksynthesize · problems \d+\/2 · solutions \d+\/8 · verifications \d+\/32 · labels \d+\/8/);
    assert.match(r.err, /Stopped\. Nothing is lost; continue with:\n {2}steplens synthesize .* --resume\n/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")).status, "interrupted");
    assert.ok(!fs.existsSync(path.join(out, ".steplens-lock")));
    const done = await cli([...args, "--resume"]);
    assert.equal(done.code, 0, done.err);
    assert.equal(read(path.join(out, "labels.jsonl")).length, 8);
  } finally {
    await slow.close();
  }
});
