/**
 * `steplens export` options: --drop-unanimous, --balance, --split-ratio (deterministic, by problem),
 * --labels (human labels override), scored JSONL joined with its dataset, safe output (no symlink,
 * never the input), usage errors.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { cli, exportWorkspace, readJsonl, writeProcessBench } from "./export-fixtures";
import { itemAt } from "../support/indexing";

describe("steplens export options", () => {
  const work = exportWorkspace("sl-export-opt-");
  const out = (name: string) => path.join(work.tmp, name);
  const ids = (file: string) => readJsonl(file).map((r) => r.id as string);

  it("--drop-unanimous drops the problem whose solutions all agree; --balance keeps k correct + k incorrect per problem", async () => {
    let r = await cli(["export", work.synth, "--format", "processbench", "--out", out("a.jsonl"), "--drop-unanimous"]);
    assert.equal(r.code, 0, r.err);
    assert.ok(!ids(out("a.jsonl")).some((id) => id.startsWith("p3#")), "p3 (all correct) is dropped");
    assert.match(r.err, /dropped 1 problem whose solutions all agree/);
    r = await cli(["export", work.synth, "--format", "processbench", "--out", out("b.jsonl"), "--balance"]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("b.jsonl"));
    const by = (p: string) => rows.filter((x) => (x.id as string).startsWith(`${p}#`)).map((x) => x.label);
    assert.equal(by("p1").length, 2);
    assert.equal(by("p1").filter((l) => l === -1).length, 1, "p1: one correct, one incorrect");
    assert.equal(by("p2").length, 2);
    assert.equal(by("p3").length, 0, "a problem with one kind only keeps nothing");
    const again = await cli(["export", work.synth, "--format", "processbench", "--out", out("b2.jsonl"), "--balance"]);
    assert.equal(again.code, 0);
    assert.deepEqual(ids(out("b2.jsonl")), ids(out("b.jsonl")), "deterministic");
  });

  it("--split-ratio writes <name>.train / <name>.test by problem, deterministically; verl rows carry the split", async () => {
    const r = await cli(["export", work.synth, "--format", "verl-jsonl", "--out", out("rl.jsonl"), "--split-ratio", "0.5", "--seed", "3"]);
    assert.equal(r.code, 0, r.err);
    const train = readJsonl(out("rl.train.jsonl"));
    const test = readJsonl(out("rl.test.jsonl"));
    assert.equal(train.length + test.length, 3);
    assert.ok(train.every((x) => (x.extra_info as { split: string }).split === "train"));
    assert.ok(test.every((x) => (x.extra_info as { split: string }).split === "test"));
    assert.ok(!fs.existsSync(out("rl.jsonl")));
    const pbSplit = await cli(["export", work.synth, "--format", "processbench", "--out", out("pb.jsonl"), "--split-ratio", "0.5", "--seed", "3"]);
    assert.equal(pbSplit.code, 0);
    const trainProblems = new Set(train.map((x) => (x.extra_info as { problem_id: string }).problem_id));
    for (const id of ids(out("pb.train.jsonl")))
      assert.ok(trainProblems.has(itemAt(id.split("#"), 0, `the problem of ${id}`)), "a problem's solutions go where the problem goes");
    // One problem: one split is empty. An empty JSONL file is written; an empty parquet file is not (and it says so).
    const one = path.join(work.tmp, "one.json");
    fs.writeFileSync(one, JSON.stringify([{ id: "a", problem: "What is 1 + 1?", steps: ["1 + 1 = 2.", "\\boxed{2}"], label: -1 }]));
    const pq = await cli(["export", one, "--format", "verl-parquet", "--out", out("one.parquet"), "--split-ratio", "0.5"]);
    assert.equal(pq.code, 0, pq.err);
    const written = ["train", "test"].filter((x) => fs.existsSync(out(`one.${x}.parquet`)));
    assert.equal(written.length, 1);
    assert.match(pq.err, /not written \(a parquet file needs at least one row\)/);
    const bad = await cli(["export", work.synth, "--format", "processbench", "--out", out("x.jsonl"), "--split-ratio", "1"]);
    assert.equal(bad.code, 2);
  });

  it("--labels: human labels from .steplens/labels.jsonl override the dataset's", async () => {
    const ws = path.join(work.tmp, "ws");
    fs.mkdirSync(path.join(ws, ".steplens"), { recursive: true });
    const data = writeProcessBench(path.join(ws, "gsm8k.json"));
    fs.writeFileSync(
      path.join(ws, ".steplens/labels.jsonl"),
      [
        { trace: "gsm8k.json#gsm8k-1", step: 1, label: "incorrect", at: "2026-01-01T00:00:00.000Z" },
        { trace: "gsm8k.json#gsm8k-2", step: 0, label: "correct", at: "2026-01-01T00:00:00.000Z" },
        { trace: "gsm8k.json#gsm8k-2", step: 1, label: "correct", at: "2026-01-01T00:00:00.000Z" },
      ]
        .map((x) => JSON.stringify(x))
        .join("\n") + "\nnot json\n",
    );
    const r = await cli(["export", data, "--format", "processbench", "--out", out("h.jsonl"), "--labels", path.join(ws, ".steplens/labels.jsonl")]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      readJsonl(out("h.jsonl")).map((x) => [x.id, x.label]),
      [
        ["gsm8k-0", 1],
        ["gsm8k-1", 1],
        ["gsm8k-2", -1],
      ],
    );
    assert.match(r.err, /labels\.jsonl:4: /, "a bad label line is reported as file:line");
    assert.match(r.err, /2 with human labels/);
  });

  it("scored JSONL joined with --dataset: a step is correct when its score reaches the threshold", async () => {
    const scores = out("scores.jsonl");
    fs.writeFileSync(
      scores,
      [
        {
          id: "gsm8k-0",
          record: 0,
          steps: [
            { index: 0, score: 0.9 },
            { index: 1, score: 0.2 },
            { index: 2, score: 0.1 },
          ],
          firstError: 1,
          threshold: 0.5,
          model: "m",
        },
        {
          id: "gsm8k-2",
          record: 2,
          steps: [
            { index: 0, score: 0.7 },
            { index: 1, score: 0.8 },
          ],
          firstError: -1,
          threshold: 0.5,
          model: "m",
        },
        { id: "nope", record: 9, steps: [{ index: 0, score: 0.7 }], firstError: -1, threshold: 0.5, model: "m" },
      ]
        .map((x) => JSON.stringify(x))
        .join("\n") + "\n",
    );
    const noDataset = await cli(["export", scores, "--format", "trl-prm", "--out", out("s.jsonl")]);
    assert.equal(noDataset.code, 1);
    assert.match(noDataset.err, /--dataset/);
    const r = await cli(["export", scores, "--dataset", work.pb, "--format", "trl-prm", "--out", out("s.jsonl")]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      readJsonl(out("s.jsonl")).map((x) => x.labels),
      [
        [true, false, false],
        [true, true],
      ],
    );
    assert.match(r.err, /scores\.jsonl:3: no record 'nope'/);
  });

  it("writes atomically and never through a symlink or over the input", async () => {
    const target = out("elsewhere.txt");
    fs.writeFileSync(target, "keep me");
    fs.symlinkSync(target, out("link.jsonl"));
    const r = await cli(["export", work.pb, "--format", "processbench", "--out", out("link.jsonl")]);
    assert.equal(r.code, 1);
    assert.equal(fs.readFileSync(target, "utf8"), "keep me");
    assert.match(r.err, /link/i);
    const self = await cli(["export", work.pb, "--format", "processbench", "--out", work.pb]);
    assert.equal(self.code, 1);
    assert.match(self.err, /overwrite the input/);
    assert.deepEqual(
      fs.readdirSync(work.tmp).filter((f) => f.endsWith(".tmp")),
      [],
      "no temporary file is left behind",
    );
  });

  it("usage errors: no --format, unknown format, no --out, a folder that is not a synthesis folder", async () => {
    assert.equal((await cli(["export", work.pb, "--out", out("u.jsonl")])).code, 2);
    const unknown = await cli(["export", work.pb, "--format", "csv", "--out", out("u.jsonl")]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /trl-prm/);
    assert.equal((await cli(["export", work.pb, "--format", "trl-prm"])).code, 2);
    const empty = path.join(work.tmp, "empty");
    fs.mkdirSync(empty);
    const notSynth = await cli(["export", empty, "--format", "trl-prm", "--out", out("u.jsonl")]);
    assert.equal(notSynth.code, 1);
    assert.match(notSynth.err, /not a synthesis folder/);
  });
});
