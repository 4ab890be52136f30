/**
 * `steplens export` never writes over what it must not (issue 18, High): its inputs compared as
 * files (symlink aliases, `..` paths), a synthesis run folder's own files, anything under
 * `.steplens/`; an existing file of another kind only with --force. Each refusal leaves the file's
 * bytes exactly as they were (compared with a copy taken before), and writes no temporary file.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { cli, exportWorkspace, readJsonl, writeSynthesisFolder } from "./export-fixtures";
import { itemAt } from "../support/indexing";

describe("steplens export: what it never writes over", () => {
  const work = exportWorkspace("sl-export-guard-", { processBench: "ds.json" });

  /** Runs the export and asserts it failed with `code` and left `file` byte for byte as it was. */
  async function refused(argv: string[], file: string, message: RegExp): Promise<string> {
    const before = fs.readFileSync(file);
    const r = await cli(["export", ...argv]);
    assert.equal(r.code, 1, `expected a refusal, got exit ${r.code}: ${r.err}`);
    assert.match(r.err, message);
    assert.ok(fs.readFileSync(file).equals(before), `${file} is unchanged`);
    const temps = fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith(".tmp"));
    assert.deepEqual(temps, [], "no temporary file left");
    return r.err;
  }

  it("trl-prm into the synthesis run's own solutions.jsonl (and every other record file) is refused, even with --force", async () => {
    for (const name of ["solutions.jsonl", "labels.jsonl", "verifications.jsonl", "manifest.json"]) {
      const file = path.join(work.synth, name);
      if (!fs.existsSync(file)) continue;
      await refused([work.synth, "--format", "trl-prm", "--out", file], file, /overwrite the input|synthesis run folder/);
      await refused([work.synth, "--format", "trl-prm", "--out", file, "--force"], file, /overwrite the input|synthesis run folder/);
    }
    // Another run's folder, not the input: its records are protected too.
    const other = writeSynthesisFolder(path.join(work.tmp, "other-run"));
    await refused(
      [work.pb, "--format", "trl-prm", "--out", path.join(other, "solutions.jsonl"), "--force"],
      path.join(other, "solutions.jsonl"),
      /synthesis run folder/,
    );
    // A new file beside them is fine.
    const fresh = await cli(["export", work.synth, "--format", "trl-prm", "--out", path.join(work.synth, "export", "prm.jsonl")]);
    assert.equal(fresh.code, 0, fresh.err);
    assert.ok(readJsonl(path.join(work.synth, "export", "prm.jsonl")).length > 0);
  });

  it("--labels ws/.steplens/labels.jsonl --out the same file is refused; nothing under .steplens/ is written", async () => {
    const ws = path.join(work.tmp, "ws");
    fs.mkdirSync(path.join(ws, ".steplens"), { recursive: true });
    const labels = path.join(ws, ".steplens", "labels.jsonl");
    fs.writeFileSync(labels, JSON.stringify({ trace: "../ds.json#gsm8k-0", step: 0, label: "correct", at: "2026-01-01T00:00:00.000Z" }) + "\n");
    await refused([work.synth, "--labels", labels, "--format", "trl-prm", "--out", labels, "--force"], labels, /overwrite the input/);
    // Not an input, but under .steplens/: refused too, new or existing, even with --force.
    const cache = path.join(ws, ".steplens", "cache.json");
    fs.writeFileSync(cache, "{}\n");
    await refused([work.synth, "--format", "trl-prm", "--out", cache, "--force"], cache, /\.steplens folder/);
    const r = await cli(["export", work.synth, "--format", "trl-prm", "--out", path.join(ws, ".steplens", "new.jsonl")]);
    assert.equal(r.code, 1);
    assert.ok(!fs.existsSync(path.join(ws, ".steplens", "new.jsonl")));
  });

  it("a symlink alias of the dataset as input, the dataset as --out: refused (real paths compared); also ../ paths and --dataset", async () => {
    const alias = path.join(work.tmp, "alias.json");
    fs.symlinkSync(work.pb, alias);
    const err = await refused([alias, "--format", "processbench", "--out", work.pb, "--force"], work.pb, /is the input|overwrite the input/);
    assert.match(err, /ds\.json/);
    const dotted = path.join(work.tmp, "run", "..", "ds.json");
    await refused([work.pb, "--format", "processbench", "--out", dotted], work.pb, /overwrite the input|is the input/);
    // Hard link: the same file under another name.
    const hard = path.join(work.tmp, "hard.json");
    fs.linkSync(work.pb, hard);
    await refused([hard, "--format", "processbench", "--out", work.pb, "--force"], work.pb, /is the input/);
    // Scored JSONL input: its --dataset is an input too.
    const scores = path.join(work.tmp, "scores.jsonl");
    fs.writeFileSync(scores, JSON.stringify({ id: "gsm8k-0", scores: [0.9, 0.1, 0.1] }) + "\n");
    await refused([scores, "--dataset", alias, "--format", "trl-prm", "--out", work.pb, "--force"], work.pb, /is the input/);
  });

  it("an existing file of another kind needs --force; an earlier export of the same format is replaced", async () => {
    const notes = path.join(work.tmp, "notes.jsonl");
    fs.writeFileSync(notes, JSON.stringify({ my: "notes" }) + "\n");
    const err = await refused([work.pb, "--format", "trl-prm", "--out", notes], notes, /not a trl-prm export/);
    assert.match(err, /--force/);
    // An export of another format is another kind too.
    const pbOut = path.join(work.tmp, "pb-out.jsonl");
    assert.equal((await cli(["export", work.synth, "--format", "processbench", "--out", pbOut])).code, 0);
    await refused([work.synth, "--format", "trl-prm", "--out", pbOut], pbOut, /not a trl-prm export/);
    // The same format again: replaced without --force.
    const again = await cli(["export", work.synth, "--format", "processbench", "--out", pbOut, "--drop-unanimous"]);
    assert.equal(again.code, 0, again.err);
    assert.ok(
      readJsonl(pbOut).every((r) => !(r.id as string).startsWith("p3#")),
      "rewritten by the second export",
    );
    // --force replaces a file of another kind.
    const forced = await cli(["export", work.pb, "--format", "trl-prm", "--out", notes, "--force"]);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(Object.keys(itemAt(readJsonl(notes), 0, "the first exported row")).sort(), ["completions", "labels", "prompt"]);
    // Parquet: a verl parquet export is recognised; other bytes are not.
    const pq = path.join(work.tmp, "rl.parquet");
    assert.equal((await cli(["export", work.synth, "--format", "verl-parquet", "--out", pq])).code, 0);
    assert.equal((await cli(["export", work.synth, "--format", "verl-parquet", "--out", pq])).code, 0, "same kind: replaced");
    const other = path.join(work.tmp, "other.parquet");
    fs.writeFileSync(other, "PAR1 not steplens PAR1");
    await refused([work.synth, "--format", "verl-parquet", "--out", other], other, /not a verl-parquet export/);
  });

  it("--split-ratio checks both the train and the test file", async () => {
    const trainLike = path.join(work.tmp, "sp.train.jsonl");
    fs.writeFileSync(trainLike, "user data, not JSON\n");
    await refused(
      [work.synth, "--format", "processbench", "--out", path.join(work.tmp, "sp.jsonl"), "--split-ratio", "0.5"],
      trainLike,
      /not a processbench export/,
    );
    assert.ok(!fs.existsSync(path.join(work.tmp, "sp.test.jsonl")), "nothing written when one of the two is refused");
  });
});
