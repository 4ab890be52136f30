// The first two stages of a synthesis run, each alone (src/synthesis/synthesize.ts): opening the
// folder (new, refused, resumed) and the first pass over the problems. Expected values by hand from
// the files written here.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { countProblems, openRunFolder, settingsOf, type SynthesisOptions } from "../../src/synthesis/synthesize";
import { emptyState } from "../../src/synthesis/outputFolder";
import { solutionId } from "../../src/synthesis/ids";
import { BUILTIN_TEMPLATES } from "../../src/verify/templates";
import { fakeEngine } from "../support/fakeEngine";

const now = () => "2026-01-01T00:00:00.000Z";

function options(outDir: string, problemsFile: string, over: Partial<SynthesisOptions> = {}): SynthesisOptions {
  return {
    problemsFile,
    outDir,
    solutions: 2,
    verifications: 3,
    aggregate: "majority",
    tau: 0.5,
    metaCritique: false,
    template: BUILTIN_TEMPLATES.spark,
    seed: 1,
    generator: fakeEngine(),
    verifier: fakeEngine(),
    models: { generator: ["g.gguf"], verifier: ["v.gguf"] },
    generatorSampling: { temperature: 0.7, topP: 0.95 },
    verifierSampling: { temperature: 0.7, topP: 0.95 },
    version: "0.0.0-test",
    ...over,
  } as SynthesisOptions;
}

function folder(): { dir: string; problems: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-stages-"));
  const problems = path.join(dir, "problems.jsonl");
  fs.writeFileSync(problems, ['{"id":"p1","problem":"1+1?"}', "{not json", '{"id":"p2","problem":"2+2?"}', '{"id":"p3","problem":"3+3?"}'].join("\n") + "\n");
  return { dir, problems };
}

test("stage 1: a new run writes its manifest; a second start is refused; a resume with other settings is refused; the same settings resume as run 2", async () => {
  const { dir, problems } = folder();
  const out = path.join(dir, "run");
  const o = options(out, problems);
  const first = await openRunFolder(o, out, settingsOf(o), now);
  assert.equal(first.saved, null);
  assert.equal(first.runNo, 1);
  assert.equal(first.state.labels.size, 0);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  assert.equal(manifest.status, "running");
  assert.equal(manifest.runs.length, 1);

  await assert.rejects(openRunFolder(o, out, settingsOf(o), now), /already holds a synthesis run \(running\)/);
  const other = options(out, problems, { resume: true, verifications: 5 });
  await assert.rejects(openRunFolder(other, out, settingsOf(other), now), /holds a run with other settings/);
  const again = options(out, problems, { resume: true });
  const second = await openRunFolder(again, out, settingsOf(again), now);
  assert.notEqual(second.saved, null);
  assert.equal(second.runNo, 2);
  assert.equal(second.manifest.runs.length, 2);
});

test("stage 2: problems within --limit counted, a bad record skipped and reported once, labels already there counted", async () => {
  const { dir, problems } = folder();
  const bad: string[] = [];
  const state = emptyState();
  state.labels.add(solutionId("p1", 1));
  const counted = await countProblems(options(dir, problems, { limit: 2, onBadProblem: (e) => bad.push(e.message) }), state);
  assert.deepEqual(counted, { problemsTotal: 2, skipped: 1, labelsDoneAtStart: 1 });
  assert.equal(bad.length, 1);
  assert.deepEqual(await countProblems(options(dir, problems), emptyState()), { problemsTotal: 3, skipped: 1, labelsDoneAtStart: 0 });
});
