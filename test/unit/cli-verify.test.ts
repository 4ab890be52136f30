// `steplens verify` through the CLI: the readable listing and the --json contract (scripted engine
// injected through createVerifyCommand: its outputs are prepared verifier texts), datasets as JSONL with
// bad records reported and skipped, usage errors, and the real path (runCli → createEngine → local
// node-llama-cpp) on the tiny generated GGUF with constrained output (RANDOM WEIGHTS: plumbing only).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "../../src/cli/main";
import { createVerifyCommand } from "../../src/cli/commands/verify";
import { ENGINE_OPTIONS, engineConfig, progressPrinter, safeText } from "../../src/cli/flags";
import { parseOptions } from "../../src/cli/options";
import type { GenerateRequest } from "../../src/engines/engine";
import { testModel } from "../support/testModels";
import { memoryIo, jsonLines } from "../support/cliIo";
import { fakeEngine } from "../support/fakeEngine";
import { itemAt } from "../support/indexing";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-cli-verify-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const traceFile = path.join(dir, "flamingos.trace.md");
fs.writeFileSync(
  traceFile,
  "Problem: 18 flamingos; a third are painted white; 18 more pink ones come. How many more pink than white?\n\nStep 1: A third of 18 is 6.\n\nStep 2: 12 pink + 6 white, then 18 more pink: 30 pink.\n\nStep 3: 30 - 6 = 25.\n",
);

const spark = (v: string, final: string) =>
  [...v].map((c, i) => `## Step ${i + 1}: check ${i + 1} (${v})\n**This step is ${c === "C" ? "correct" : "incorrect"}.**`).join("\n\n") +
  `\n\n**Verification: Is the answer correct (Yes/No)? ${final}**`;

/** A verifier endpoint, scripted: every generate call returns the given texts (prepared verifier outputs). */
const scripted = (texts: (req: GenerateRequest) => string[]) => fakeEngine({ generations: texts, info: { kind: "openai", device: "test", models: {} } });

test("readable listing: per step the flag counts, the verdict and the chosen critique; first error; outcome", async () => {
  const engine = scripted(() => [spark("CCI", "No"), spark("CCI", "No"), spark("CCC", "Yes"), "garbage"]);
  const io = memoryIo();
  const code = await createVerifyCommand(async () => engine).run([traceFile, "--samples", "4", "--endpoint", "http://x", "--api-model", "m"], io);
  assert.equal(code, 0, io.err());
  const out = io.out();
  assert.match(out, /Verified 4× with spark; aggregate step, τ 0\.5: 3 parsed, 1 malformed/);
  assert.match(out, /Step 1 +✓ correct +flagged by 0\/3, correct for 3/);
  assert.match(out, /Step 3 +✗ incorrect +flagged by 2\/3, correct for 1/);
  assert.match(out, /check 3 \(CCI\)/);
  assert.match(out, /First error: step 3 +\(first-error votes: none ×1, step 3 ×2\)/);
  assert.match(out, /Answer correct: No +\(Yes 1, No 2\)/);
  assert.match(out, /Critiques from verification #1/);
  assert.match(out, /Malformed verifications: no step verdict and no final verdict found/);
  assert.equal(engine.requests.generate[0]?.n, 4);
  assert.ok(engine.disposed > 0, "the engine is disposed");
});

test("--json: one object with steps (0-based), counts, aggregate, verifications; flags reach the pipeline", async () => {
  const engine = scripted(() => [spark("CII", "No"), spark("CIC", "No")]);
  const io = memoryIo();
  const argv = [
    traceFile,
    "--samples",
    "2",
    "--tau",
    "0.75",
    "--aggregate",
    "first-error",
    "--seed",
    "3",
    "--temperature",
    "0.5",
    "--reference",
    "24",
    "--json",
    "--raw",
    "--endpoint",
    "http://x",
    "--api-model",
    "m",
  ];
  assert.equal(await createVerifyCommand(async () => engine).run(argv, io), 0, io.err());
  const j = JSON.parse(io.out());
  assert.deepEqual(
    j.steps.map((s: { index: number; verdict: string; incorrect: number; correct: number; notGiven: number }) => [
      s.index,
      s.verdict,
      s.incorrect,
      s.correct,
      s.notGiven,
    ]),
    [
      [0, "correct", 0, 2, 0],
      [1, "incorrect", 2, 0, 0],
      [2, "correct", 1, 1, 0], // 1 of 2 < 0.75·2
    ],
  );
  assert.equal(j.firstError, 1);
  assert.equal(j.outcome, "no");
  assert.deepEqual(j.aggregate.firstErrorVotes, { "1": 2 });
  assert.equal(j.aggregate.mode, "first-error");
  assert.equal(j.aggregate.tau, 0.75);
  assert.equal(j.verifications.length, 2);
  assert.equal(typeof j.verifications[0].text, "string");
  assert.equal(j.referenceGuided, true);
  assert.equal(j.label, null);
  const req = itemAt(engine.requests.generate, 0, "the verifier's generate request");
  assert.deepEqual([req.seed, req.temperature, req.n], [3, 0.5, 2]);
  assert.ok(JSON.stringify(req.prompt).includes("Expected Answer: 24"));
});

test("datasets: JSONL with id, record and label; a bad record is reported with file:line and skipped (exit 1)", async () => {
  const data = path.join(dir, "mini.jsonl");
  fs.writeFileSync(
    data,
    [
      JSON.stringify({ id: "a", problem: "1+1?", steps: ["1+1=2", "answer 2"], label: -1 }),
      '{"id": "broken", "problem": ',
      JSON.stringify({ id: "c", problem: "2*3?", steps: ["2*3=5", "answer 5"], label: 0 }),
    ].join("\n") + "\n",
  );
  const engine = scripted((req) => [JSON.stringify(req.prompt).includes("2*3=5") ? spark("II", "No") : spark("CC", "Yes")]);
  const io = memoryIo();
  assert.equal(
    await createVerifyCommand(async () => engine).run(
      [data, "--samples", "1", "--json", "--format", "processbench", "--endpoint", "http://x", "--api-model", "m"],
      io,
    ),
    1,
  );
  const rows = jsonLines(io.out());
  assert.deepEqual(
    rows.map((r) => [r.id, r.record, r.firstError, r.label]),
    [
      ["a", 0, -1, -1],
      ["c", 2, 0, 0],
    ],
  );
  assert.match(io.err(), new RegExp(`${data.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2: record 1 is not valid JSON`));
});

test("untrusted model text cannot drive the terminal: control sequences are removed from the listing", async () => {
  assert.equal(safeText("ok\x1b[2Jcleared\x07\n\tnext"), "okcleared\n\tnext");
  const engine = scripted(() => [spark("CCC", "Yes").replace("check 1", "check 1 \x1b]0;pwned\x07\x1b[31mred")]);
  const io = memoryIo();
  await createVerifyCommand(async () => engine).run([traceFile, "--samples", "1", "--endpoint", "http://x", "--api-model", "m"], io);
  assert.doesNotMatch(io.out(), /\x1b|\x07/);
});

test("progress: redrawn in place on a terminal, plain throttled lines in logs", () => {
  const tty = { ...memoryIo(), isTTY: true };
  const p = progressPrinter(tty, "verifying");
  p.update({ done: 3, total: 8, message: "sampling" }, " gsm8k-1");
  p.done();
  assert.equal(tty.err(), "\r\x1b[Kverifying gsm8k-1 3/8 — sampling\r\x1b[K");
  const log = memoryIo();
  const q = progressPrinter(log, "eval", 0);
  q.update({ done: 1, total: 2 });
  q.update({ done: 2, total: 2 });
  assert.equal(log.err(), "eval 1/2\neval 2/2\n");
  const quiet = memoryIo();
  progressPrinter(quiet, "eval").update({ done: 1, total: 2 });
  assert.equal(quiet.err(), "");
});

test("usage errors exit 2 with the reason", async () => {
  const cases: [string[], RegExp][] = [
    [["verify"], /which file/],
    [["verify", traceFile, "--samples", "0", "--model", "m"], /--samples must be a whole number from 1 to 64/],
    [["verify", traceFile, "--tau", "2", "--model", "m"], /--tau must be a number from 0 to 1/],
    [["verify", traceFile, "--aggregate", "median", "--model", "m"], /--aggregate must be one of step, outcome, first-error/],
    [["verify", traceFile], /no model/],
    [["verify", traceFile, "--endpoint", "http://127.0.0.1:9"], /--endpoint needs --api-model/],
    [["verify", traceFile, "--model", "a", "--endpoint", "b", "--api-model", "c"], /either --model or --endpoint/],
    [["verify", traceFile, "--model", "m", "--gpu", "tpu"], /--gpu must be one of/],
    [["verify", traceFile, "--nope"], /Unknown option '--nope'/],
  ];
  for (const [argv, re] of cases) {
    const io = memoryIo();
    assert.equal(await runCli(argv, io), 2, argv.join(" ") + "\n" + io.err());
    assert.match(io.err(), re);
  }
  const io = memoryIo();
  assert.equal(await runCli(["verify", traceFile, "--template", path.join(dir, "missing.txt"), "--model", "m"], io), 1);
  assert.match(io.err(), /missing\.txt: cannot read the template file/);
});

test("engine flags become the typed config: local sequences cover K; endpoints get enough concurrency", () => {
  const flags = (argv: string[]) => parseOptions(argv, ENGINE_OPTIONS).values;
  const local = engineConfig(flags(["--model", "x.gguf", "--gpu", "off", "--threads", "1"]), ["verifier"], {}, { samples: 8 });
  assert.deepEqual(
    [local.engine.kind, local.models.verifier, local.local.sequences, local.local.gpu, local.local.maxThreads],
    ["local", "x.gguf", 8, "off", 1],
  );
  const remote = engineConfig(flags(["--endpoint", "http://h/v1", "--api-model", "qwen"]), ["verifier"], {}, { samples: 16 });
  assert.deepEqual([remote.engine.kind, remote.openai.baseUrl, remote.openai.model, remote.openai.concurrency], ["openai", "http://h/v1", "qwen", 16]);
});

test("the real path: runCli verify --model <tiny GGUF> --constrained --json (random weights: plumbing, not judgement)", async () => {
  const model = await testModel({ tokenizer: "bpe", chatTemplate: true });
  const io = memoryIo();
  const argv = [
    "verify",
    traceFile,
    "--model",
    model,
    "--gpu",
    "off",
    "--threads",
    "1",
    "--context-size",
    "4096",
    "--samples",
    "3",
    "--seed",
    "2",
    "--constrained",
    "--max-critique-chars",
    "10",
    "--json",
  ];
  const code = await runCli(argv, io);
  assert.equal(code, 0, io.err());
  const j = JSON.parse(io.out());
  assert.equal(j.steps.length, 3);
  assert.equal(j.aggregate.samples, 3);
  assert.equal(j.aggregate.valid, 3, JSON.stringify(j.verifications));
  assert.ok(j.firstError === -1 || (j.firstError >= 0 && j.firstError < 3));
});

test("invalid UTF-8: segment and verify warn at file:line and go on; --strict refuses the file (exit 1)", async () => {
  const bad = path.join(dir, "latin1.trace.md");
  fs.writeFileSync(
    bad,
    Buffer.concat([Buffer.from("Problem: 2 + 2?\n\nStep 1: caf"), Buffer.from([0xe9]), Buffer.from(" gives 4.\n\nStep 2: So the answer is 4.\n")]),
  );
  const seg = memoryIo();
  assert.equal(await runCli(["segment", bad, "--json"], seg), 0, seg.err());
  assert.match(seg.err(), /latin1\.trace\.md:3: warning: invalid UTF-8/);
  assert.equal(JSON.parse(seg.out()).steps.length, 2);
  const segStrict = memoryIo();
  assert.equal(await runCli(["segment", bad, "--strict"], segStrict), 1);
  assert.match(segStrict.err(), /latin1\.trace\.md:3: .*invalid UTF-8/);
  const engine = scripted(() => [spark("CC", "Yes")]);
  const ver = memoryIo();
  assert.equal(
    await createVerifyCommand(async () => engine).run([bad, "--samples", "1", "--endpoint", "http://x", "--api-model", "m", "--json"], ver),
    0,
    ver.err(),
  );
  assert.match(ver.err(), /latin1\.trace\.md:3: warning: invalid UTF-8/);
  const verStrict = memoryIo();
  assert.equal(
    await createVerifyCommand(async () => engine).run([bad, "--strict", "--samples", "1", "--endpoint", "http://x", "--api-model", "m"], verStrict),
    1,
  );
  assert.match(verStrict.err(), /invalid UTF-8/);
});
