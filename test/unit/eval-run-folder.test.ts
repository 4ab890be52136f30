// The ProcessBench run folder under concurrency and damage: a second run on the same --out is refused
// naming the first (no id written twice), run.json is written atomically, a damaged run.json never
// forces deleting finished results, and raw.jsonl is never appended through a link.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StepLensError } from "../../src/core/errors";
import { processBenchFiles } from "../../src/eval/processbenchData";
import { runProcessBench } from "../../src/eval/processbenchRunner";
import { prmScorer } from "../../src/eval/scorers";
import { processBenchDir } from "../support/repo";
import { fakeEngine, type FakeEngine } from "../support/fakeEngine";

const DATA = processBenchDir();
const files = processBenchFiles(DATA, ["gsm8k"]);

/** Scores every step 0.9; `gate` (when given) holds the first scoreSteps call until it resolves. */
const engine = (gate?: Promise<void>): FakeEngine =>
  fakeEngine({ stepScore: () => 0.9, hold: (call) => (call.kind === "scoreSteps" && call.number === 1 ? gate : undefined) });

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "steplens-runfolder-"));
const ids = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).id as string);

test("a second run on the same folder is refused, naming the first; no id is written twice", async () => {
  const out = tmpDir();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const first = runProcessBench({ files, limit: 4, outDir: out, scorer: prmScorer(engine(gate), "m") });
  await assert.rejects(
    runProcessBench({ files, limit: 4, outDir: out, scorer: prmScorer(engine(), "m") }),
    (e: unknown) =>
      e instanceof StepLensError && e.details.code === "locked" && e.message.includes(`pid ${process.pid}`) && e.message.includes("steplens eval processbench"),
  );
  open();
  const r = await first;
  assert.equal(r.computed, 4);
  const written = ids(path.join(out, "raw.jsonl"));
  assert.equal(new Set(written).size, written.length);
  assert.deepEqual(fs.readdirSync(out).sort(), ["metrics.json", "predictions.jsonl", "raw.jsonl", "run.json"], "lock released, no temp file left");
  // The lock is released: the next run resumes.
  const again = await runProcessBench({ files, limit: 4, outDir: out, scorer: prmScorer(engine(), "m") });
  assert.equal(again.resumed, 4);
});

test("a damaged run.json with finished items: refused with a fix that keeps them; following it resumes", async () => {
  const out = tmpDir();
  await runProcessBench({ files, limit: 3, outDir: out, scorer: prmScorer(engine(), "m") });
  const raw = path.join(out, "raw.jsonl");
  const before = fs.readFileSync(raw, "utf8");
  const runJson = path.join(out, "run.json");
  fs.writeFileSync(runJson, '{"config": {"scorer": "prm"'); // cut short
  await assert.rejects(
    runProcessBench({ files, limit: 3, outDir: out, scorer: prmScorer(engine(), "m") }),
    (e: unknown) =>
      e instanceof StepLensError &&
      e.details.code === "run-json-damaged" &&
      /3 finished items in raw\.jsonl are kept/.test(e.message) &&
      /mv '.*run\.json' '.*run\.json\.damaged'/.test(e.format()),
  );
  assert.equal(fs.readFileSync(raw, "utf8"), before, "raw.jsonl untouched");
  fs.renameSync(runJson, `${runJson}.damaged`); // the fix the message gives
  const e = engine();
  const r = await runProcessBench({ files, limit: 3, outDir: out, scorer: prmScorer(e, "m") });
  assert.equal(r.resumed, 3);
  assert.equal(e.count("scoreSteps"), 0);
  assert.ok(JSON.parse(fs.readFileSync(runJson, "utf8")).config);
});

test("a damaged run.json with nothing finished is simply rewritten", async () => {
  const out = tmpDir();
  fs.writeFileSync(path.join(out, "run.json"), "\u0000\u0000\u0000");
  const r = await runProcessBench({ files, limit: 2, outDir: out, scorer: prmScorer(engine(), "m") });
  assert.equal(r.computed, 2);
  assert.ok(JSON.parse(fs.readFileSync(path.join(out, "run.json"), "utf8")).config);
});

test("raw.jsonl or run.json as a link out of the folder is refused; the target is untouched", async () => {
  const out = tmpDir();
  const victim = path.join(tmpDir(), "victim.txt");
  fs.writeFileSync(victim, "keep\n");
  fs.symlinkSync(victim, path.join(out, "raw.jsonl"));
  await assert.rejects(
    runProcessBench({ files, limit: 2, outDir: out, scorer: prmScorer(engine(), "m") }),
    (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path",
  );
  const out2 = tmpDir();
  fs.symlinkSync(victim, path.join(out2, "run.json"));
  await assert.rejects(
    runProcessBench({ files, limit: 2, outDir: out2, scorer: prmScorer(engine(), "m") }),
    (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path",
  );
  assert.equal(fs.readFileSync(victim, "utf8"), "keep\n");
  assert.equal(fs.existsSync(path.join(out, ".steplens-lock")), false, "the lock is released after a refusal");
});
