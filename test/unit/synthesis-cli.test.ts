// `steplens synthesize` through the real CLI (runCli → flags → createEngine → local node-llama-cpp)
// on the generated tiny GGUF, and against `steplens serve` (in-process, 127.0.0.1) through the
// OpenAI engine. RANDOM WEIGHTS: plumbing only (record layout, ids, counts, resume), not judgement.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { testModel } from "../support/testModels";
import { StepLensServer } from "../../src/server/stepLensServer";
import type { Engine } from "../../src/engines/engine";
import { serveTestEngine } from "./serve-fixture";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-synth-cli-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const problems = path.join(dir, "problems.jsonl");
fs.writeFileSync(
  problems,
  [
    JSON.stringify({ id: "a", problem: "What is 2 + 3?", answer: "5" }),
    "{not json",
    JSON.stringify({ id: "b", question: "What is 4 * 4?", answer: "16" }),
    JSON.stringify({ id: "c", text: "no problem field" }),
    JSON.stringify({ id: "d", problem: "What is 10 - 7?", answer: "3" }),
  ].join("\n") + "\n",
);

let model: string;
before(async () => {
  model = await testModel({ tokenizer: "spm", chatTemplate: true });
});

function lines(file: string): Record<string, unknown>[] {
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), `${file} ends with a newline`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const ARGS = ["--solutions", "2", "--verifications", "2", "--max-tokens", "12", "--gpu", "off"];

test("local tiny model: every stage's records with stable ids; bad problem lines named file:line and skipped", async () => {
  const out = path.join(dir, "local");
  const r = await cli(["synthesize", "--problems", problems, "--out", out, "--model", model, ...ARGS, "--reference-field", "answer"]);
  assert.equal(r.code, 1, r.err); // two problem records were skipped
  assert.match(r.err, new RegExp(`problems\\.jsonl:2: .*not valid JSON`));
  assert.match(r.err, new RegExp(`problems\\.jsonl:4: .*no problem text`));
  const sols = lines(path.join(out, "solutions.jsonl"));
  const ver = lines(path.join(out, "verifications.jsonl"));
  const lab = lines(path.join(out, "labels.jsonl"));
  assert.deepEqual(sols.map((s) => s.id).sort(), ["a#s0", "a#s1", "b#s0", "b#s1", "d#s0", "d#s1"]);
  const withSteps = sols.filter((s) => (s.steps as string[]).length > 0);
  assert.equal(ver.length, withSteps.length * 2);
  for (const s of withSteps) for (const v of [0, 1]) assert.ok(ver.some((x) => x.id === `${s.id}#v${v}` && x.solutionId === s.id));
  assert.deepEqual(lab.map((l) => l.id).sort(), sols.map((s) => s.id).sort());
  for (const l of lab) {
    const rules = l.rules as Record<string, { labels: unknown[] }>;
    assert.deepEqual(Object.keys(rules).sort(), ["first-error", "outcome", "step"]);
    assert.equal((l.labels as unknown[]).length, l.stepCount);
    assert.ok(l.reference && typeof (l.reference as { answer: string }).answer === "string");
  }
  const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  assert.equal(m.status, "complete");
  assert.equal(m.counts.problems, 3);
  assert.equal(m.counts.skippedProblems, 2);
  assert.equal(m.counts.labels, 6);
  assert.equal(m.settings.referenceField, "answer");
  assert.ok(!fs.existsSync(path.join(out, ".steplens-lock")), "lock released");

  // A second start without --resume is refused; with --resume there is nothing left to do.
  const again = await cli(["synthesize", "--problems", problems, "--out", out, "--model", model, ...ARGS, "--reference-field", "answer"]);
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds a synthesis run.*--resume/s);
  const resumed = await cli([
    "synthesize",
    "--problems",
    problems,
    "--out",
    out,
    "--model",
    model,
    ...ARGS,
    "--reference-field",
    "answer",
    "--resume",
    "--json",
  ]);
  const summary = JSON.parse(resumed.out);
  assert.deepEqual(summary.written, { solutions: 0, verifications: 0, labels: 0, failures: 0 });
  assert.equal(lines(path.join(out, "labels.jsonl")).length, 6);
  // Other settings on resume: refused, naming the difference.
  const other = await cli(["synthesize", "--problems", problems, "--out", out, "--model", model, ...ARGS, "--resume", "--seed", "7"]);
  assert.equal(other.code, 1);
  assert.match(other.err, /other settings.*seed: 0 → 7/s);
});

let served: Engine;
let server: StepLensServer;
before(async () => {
  served = await serveTestEngine({ sequences: 4 });
  server = await StepLensServer.start({ engine: served, port: 0, concurrency: 4 });
});
after(async () => {
  await server?.close();
  await served?.dispose();
});

test("against steplens serve: endpoint roles, model name from GET /models, same record layout", async () => {
  const out = path.join(dir, "served");
  const r = await cli(["synthesize", "--problems", problems, "--out", out, "--endpoint", `${server.url}/v1`, ...ARGS.slice(0, 6), "--limit", "2", "--json"]);
  assert.equal(r.code, 1, r.err); // skipped lines
  const summary = JSON.parse(r.out);
  assert.equal(summary.status, "complete");
  assert.equal(summary.counts.problems, 2);
  assert.equal(summary.counts.labels, 4);
  const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  assert.equal(m.models.generator.length, 1);
  assert.match(m.models.generator[0], new RegExp(`@${server.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/v1$`));
  assert.deepEqual(
    lines(path.join(out, "solutions.jsonl"))
      .map((s) => s.id)
      .sort(),
    ["a#s0", "a#s1", "b#s0", "b#s1"],
  );
});
