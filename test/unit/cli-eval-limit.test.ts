/**
 * `steplens eval processbench --limit n` (issue 18): the first n items of every ProcessBench subset
 * all have errors, so F1 was undefined everywhere. Now a seeded sample that keeps both classes in
 * proportion (counts hand-computed from the real files' class sizes); an undefined metric is
 * explained on stderr; a failed item names its file, line and record. Real ProcessBench data
 * (test/fixtures/processbench); the failing-item case runs the generated tiny model (RANDOM WEIGHTS).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { processBenchFiles, readProcessBench, sampleBothClasses } from "../../src/eval/processbenchData";
import { cli } from "../support/cliIo";
import { processBenchDir, repoRoot } from "../support/repo";
import { testModel } from "../support/testModels";

const DATA = processBenchDir();

describe("eval processbench --limit", () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sl-eval-limit-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("the sampler: proportional, at least one of each class, deterministic, file order", () => {
    const items = [...Array.from({ length: 99 }, (_, i) => ({ id: `e${i}`, label: i % 3 })), { id: "c0", label: -1 }];
    const five = sampleBothClasses(items, 5);
    assert.deepEqual([five.filter((i) => i.label !== -1).length, five.filter((i) => i.label === -1).length], [4, 1], "1 % correct still gets one");
    assert.deepEqual(sampleBothClasses(items, 5), five, "same seed, same sample");
    assert.notDeepEqual(sampleBothClasses(items, 5, 1), five, "another seed, another sample");
    assert.deepEqual(
      five.map((i) => items.indexOf(i)),
      five.map((i) => items.indexOf(i)).sort((a, b) => a - b),
    );
    assert.equal(sampleBothClasses(items, 1).length, 1);
    assert.equal(sampleBothClasses(items, 500).length, 100);
  });

  it("--limit 10 on the real subsets keeps both classes in each (counts from the class sizes), so every F1 is defined", async () => {
    const byClass = new Map<string, [number, number]>();
    for await (const item of readProcessBench(processBenchFiles(DATA), { limit: 10 })) {
      const c = byClass.get(item.subset) ?? [0, 0];
      c[item.label === -1 ? 1 : 0]++;
      byClass.set(item.subset, c);
    }
    // Errors / correct in the files: gsm8k 207/193, math 594/406, olympiadbench 661/339, omnimath 759/241.
    // Correct kept: round(10 × share): 5, 4, 3, 2.
    assert.deepEqual(Object.fromEntries(byClass), { gsm8k: [5, 5], math: [6, 4], olympiadbench: [7, 3], omnimath: [8, 2] });
    const preds = path.join(tmp, "perfect.jsonl");
    const lines: string[] = [];
    for (const s of ["gsm8k", "math", "olympiadbench", "omnimath"])
      for (const r of JSON.parse(fs.readFileSync(path.join(DATA, `${s}.json`), "utf8")) as { id: string; label: number }[])
        lines.push(JSON.stringify({ id: r.id, prediction: r.label }));
    fs.writeFileSync(preds, lines.join("\n") + "\n");
    const r = await cli(["eval", "processbench", "--data", DATA, "--limit", "10", "--predictions", preds, "--json"]);
    assert.equal(r.code, 0, r.err);
    const m = JSON.parse(r.out);
    for (const s of Object.values(m.subsets) as { n: number; f1: number }[]) assert.deepEqual([s.n, s.f1], [10, 100]);
    assert.equal(m.averageF1, 100);
    assert.doesNotMatch(r.err, /undefined/);
  });

  it("an undefined metric is explained: a subset with no correct item", async () => {
    const dir = path.join(tmp, "errors-only");
    fs.mkdirSync(dir);
    const rows = JSON.parse(fs.readFileSync(path.join(DATA, "gsm8k.json"), "utf8")) as { id: string; label: number }[];
    fs.writeFileSync(path.join(dir, "gsm8k.json"), JSON.stringify(rows.filter((r) => r.label !== -1).slice(0, 3)));
    const preds = path.join(tmp, "none.jsonl");
    fs.writeFileSync(preds, "");
    const r = await cli(["eval", "processbench", "--data", path.join(dir, "gsm8k.json"), "--predictions", preds]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: gsm8k: acc_correct and F1 are undefined: none of its 3 evaluated items is correct throughout \(label -1\)/);
    assert.match(r.err, /note: average F1 is undefined: no subset has an F1/);
  });

  it("an item that does not fit the context is named by file, line and record", async () => {
    const model = await testModel({ tokenizer: "spm" });
    const data = path.join(repoRoot(), "examples/processbench/omnimath.json");
    const r = await cli(["eval", "processbench", "--data", data, "--model", model, "--context-size", "256", "--gpu", "off", "--out", path.join(tmp, "run")]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /omnimath\.json:\d+: record omnimath-\d+: the trace needs \d+ tokens but the context holds 256/);
    assert.doesNotMatch(r.err, /unnamed/);
  });
});
