// `steplens eval processbench` through the CLI entry (runCli with in-memory streams) on the real data:
// the --json contract, the table, the notes on stderr, usage errors, and a model run (scripted
// engine injected through createEvalCommand) that writes --out and resumes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "../../src/cli/main";
import { createEvalCommand } from "../../src/cli/commands/eval";
import { processBenchDir } from "../support/repo";
import { fakeEngine, type FakeEngine } from "../support/fakeEngine";
import { labelLookup } from "../support/processBenchLabels";
import { memoryIo as memoryIoWith } from "../support/cliIo";
import { itemAt } from "../support/indexing";

const memoryIo = (signal?: AbortSignal) => memoryIoWith({ signal });

const DATA = processBenchDir();
const SUBSETS = ["gsm8k", "math", "olympiadbench", "omnimath"];

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "steplens-cli-eval-"));
const records = Object.fromEntries(
  SUBSETS.map((s) => [
    s,
    JSON.parse(fs.readFileSync(path.join(DATA, `${s}.json`), "utf8")) as { id: string; label: number; problem: string; steps: string[] }[],
  ]),
);

/** The subset's records (fails the test naming the subset if the data folder lacks it). */
function recordsOf(subset: string) {
  const rs = records[subset];
  assert.ok(rs, `the ${subset} records of the ProcessBench data`);
  return rs;
}

function predictionsFile(pick: (label: number, i: number) => number | null): string {
  const file = path.join(tmp(), "p.jsonl");
  const out: string[] = [];
  for (const s of SUBSETS)
    recordsOf(s).forEach((r, i) => {
      const p = pick(r.label, i);
      if (p !== null) out.push(JSON.stringify({ id: r.id, prediction: p }));
    });
  fs.writeFileSync(file, out.join("\n") + "\n");
  return file;
}

test("--predictions --json prints exactly {subsets: {name: {n, accError, accCorrect, f1}}, averageF1} (percentages)", async () => {
  const io = memoryIo();
  const code = await runCli(["eval", "processbench", "--data", DATA, "--predictions", predictionsFile((l) => l), "--json"], io);
  assert.equal(code, 0, io.err());
  const j = JSON.parse(io.out());
  assert.deepEqual(Object.keys(j), ["subsets", "averageF1"]);
  assert.deepEqual(Object.keys(j.subsets), SUBSETS);
  for (const s of SUBSETS) assert.deepEqual(j.subsets[s], { n: recordsOf(s).length, accError: 100, accCorrect: 100, f1: 100 });
  assert.equal(j.averageF1, 100);
  assert.equal(io.err(), "");
});

test("all -1: the table shows acc_error 0.0, acc_correct 100.0, F1 0.0 per subset and average 0.0", async () => {
  const io = memoryIo();
  assert.equal(await runCli(["eval", "processbench", "--data", DATA, "--predictions", predictionsFile(() => -1)], io), 0);
  const rows = io.out().trim().split("\n");
  assert.match(itemAt(rows, 0, "the header row"), /^subset\s+n\s+acc_error\s+acc_correct\s+F1/);
  assert.match(itemAt(rows, 1, "the gsm8k row"), /^gsm8k\s+400\s+0\.0\s+100\.0\s+0\.0$/);
  assert.match(itemAt(rows, 4, "the omnimath row"), /^omnimath\s+1000\s+0\.0\s+100\.0\s+0\.0$/);
  assert.match(itemAt(rows, 5, "the average row"), /^average F1\s+0\.0$/);
});

test("missing predictions are counted as wrong and reported; --subset and --limit apply", async () => {
  const io = memoryIo();
  const file = predictionsFile((l, i) => (i % 2 === 0 ? l : null));
  assert.equal(await runCli(["eval", "processbench", "--data", DATA, "--predictions", file, "--subset", "gsm8k", "--json"], io), 0);
  const j = JSON.parse(io.out());
  assert.deepEqual(Object.keys(j.subsets), ["gsm8k"]);
  // gsm8k even positions: 104 of 207 error items, 96 of 193 correct ones (counted by hand).
  assert.ok(Math.abs(j.subsets.gsm8k.accError - (100 * 104) / 207) < 1e-9);
  assert.ok(Math.abs(j.subsets.gsm8k.accCorrect - (100 * 96) / 193) < 1e-9);
  assert.match(io.err(), /200 of the evaluated items have no prediction and count as wrong/);
  assert.match(io.err(), /predictions have ids outside the evaluated items/);
});

test("bad prediction lines are reported with file:line and make the exit code 1", async () => {
  const file = predictionsFile((l) => l);
  fs.appendFileSync(file, '{"id": "gsm8k-0", "prediction": "two"}\n');
  const io = memoryIo();
  assert.equal(await runCli(["eval", "processbench", "--data", DATA, "--predictions", file, "--subset", "gsm8k", "--json"], io), 1);
  assert.match(io.err(), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3401: "prediction" must be an integer`));
  assert.ok(JSON.parse(io.out()).subsets.gsm8k);
});

test("usage errors exit 2 with the reason", async () => {
  const cases: [string[], RegExp][] = [
    [["eval"], /which benchmark/],
    [["eval", "mmlu", "--data", DATA], /unknown benchmark 'mmlu'/],
    [["eval", "processbench", "--data", DATA, "--scorer", "magic"], /--scorer must be one of prm, verify, critic/],
    [["eval", "processbench", "--data", DATA, "--threshold", "0.5", "--tune-threshold", "gsm8k"], /not both/],
    [["eval", "processbench", "--data", DATA, "--scorer", "critic", "--threshold", "0.3"], /--scorer prm only/],
    [["eval", "processbench", "--data", DATA, "--predictions", "x.jsonl", "--scorer", "prm"], /--scorer does not apply/],
    [["eval", "processbench", "--data", DATA, "--limit", "0"], /--limit must be a whole number of at least 1/],
    [["eval", "processbench", "--data", DATA, "--bogus"], /Unknown option '--bogus'/],
    [["eval", "processbench", "--data", DATA], /no model/],
  ];
  for (const [argv, re] of cases) {
    const io = memoryIo();
    assert.equal(await runCli(argv, io), 2, argv.join(" "));
    assert.match(io.err(), re);
  }
  const io = memoryIo();
  assert.equal(await runCli(["eval", "processbench", "--data", path.join(DATA, "nope"), "--predictions", "p"], io), 1);
  assert.match(io.err(), /nope: no such file or folder/);
});

test("--help describes the contract", async () => {
  const io = memoryIo();
  assert.equal(await runCli(["eval", "--help"], io), 0);
  assert.match(io.out(), /--tune-threshold/);
  assert.match(io.out(), /"averageF1"/);
});

/** A PRM that marks exactly the labelled first error (0.2), everything before it 0.9: the shared scripted engine. */
function labelPrm(): FakeEngine {
  const labelOf = labelLookup(SUBSETS.flatMap((s) => recordsOf(s)));
  return fakeEngine({
    stepScores: (req) => {
      const label = labelOf(req.problem, req.steps);
      return req.steps.map((_, index) => (label !== -1 && index >= label ? 0.2 : 0.9));
    },
  });
}

test("with a model: predictions and metrics go to --out; the same command again resumes with no new work", async () => {
  const out = path.join(tmp(), "run");
  const engine = labelPrm();
  const cmd = createEvalCommand(async (config, _io, role) => {
    assert.equal(config.models.prm, "fake.gguf");
    assert.equal(role, "prm");
    return engine;
  });
  const argv = [
    "processbench",
    "--data",
    DATA,
    "--subset",
    "gsm8k,math",
    "--limit",
    "700",
    "--scorer",
    "prm",
    "--model",
    "fake.gguf",
    "--tune-threshold",
    "gsm8k",
    "--out",
    out,
    "--json",
  ];
  const io = memoryIo();
  assert.equal(await cmd.run(argv, io), 0, io.err());
  assert.equal(engine.count("scoreSteps"), 1100);
  assert.equal(engine.disposed, 1);
  const j = JSON.parse(io.out());
  assert.deepEqual(j.subsets.math, { n: 700, accError: 100, accCorrect: 100, f1: 100 });
  assert.match(io.err(), /threshold 0\.5500 tuned on gsm8k/);
  assert.equal(fs.readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").length, 1100);
  const io2 = memoryIo();
  assert.equal(await cmd.run(argv, io2), 0);
  assert.equal(engine.count("scoreSteps"), 1100);
  assert.match(io2.err(), /0 items scored, 1100 already done/);
  assert.equal(io2.out(), io.out());
});
