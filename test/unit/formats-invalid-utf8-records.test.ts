/**
 * Invalid UTF-8 inside a dataset record (issue 18): `segment`, `synthesize --problems` and `export`
 * used to replace the bytes with U+FFFD silently. Now: a warning at file:line (the line of the bad
 * byte, also inside a multi-line JSON list element), and `--strict` refuses that record (reported at
 * file:line, skipped) while the others are read. Bytes are written by hand (0xe9: Latin-1 é).
 * synthesize runs on the generated tiny GGUF (RANDOM WEIGHTS: plumbing only).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { readRawRecords } from "../../src/formats/jsonStream";
import { readProblems } from "../../src/synthesis/problems";
import type { StepLensError } from "../../src/core/errors";
import { cli } from "../support/cliIo";
import { testModel } from "../support/testModels";
import { suiteTempDir } from "../support/tempDir";
import { itemAt } from "../support/indexing";

const rec = (id: string, problem: string) => JSON.stringify({ id, problem, steps: ["1 + 1 = 2.", "\\boxed{2}"], label: -1 });

/** A JSONL dataset whose second record (line 2) has a Latin-1 byte 0xe9 inside a string. */
function latin1Jsonl(file: string): { badOffset: number } {
  const before = Buffer.from(rec("ok-1", "What is 1 + 1?") + "\n");
  const [head, tail] = rec("bad", "Caf_ problem: what is 1 + 1?").split("_");
  assert.ok(head !== undefined && tail !== undefined, "the record has its '_' placeholder");
  const bad = Buffer.concat([Buffer.from(head), Buffer.from([0xe9]), Buffer.from(tail + "\n")]);
  fs.writeFileSync(file, Buffer.concat([before, bad, Buffer.from(rec("ok-2", "What is 2 - 0?") + "\n")]));
  return { badOffset: before.length + Buffer.byteLength(head) };
}

describe("invalid UTF-8 inside dataset records", () => {
  const dir = suiteTempDir("sl-utf8-records-");
  let jsonl: string;
  let badOffset: number;
  before(() => {
    jsonl = path.join(dir.path, "ds.jsonl");
    ({ badOffset } = latin1Jsonl(jsonl));
  });

  it("the raw reader notes the first bad byte: its file offset and line (JSONL, and a multi-line JSON list element)", async () => {
    const raws = [];
    for await (const r of readRawRecords(jsonl, "jsonl", { highWaterMark: 7 })) raws.push(r);
    assert.deepEqual(
      raws.map((r) => r.invalidUtf8 ?? null),
      [null, { offset: badOffset, line: 2, byte: 0xe9 }, null],
    );
    const list = path.join(dir.path, "ds.json");
    const text = `[\n  {"id": "a", "problem": "p", "steps": ["x"], "label": -1},\n  {"id": "b",\n   "problem": "Caf_",\n   "steps": ["x"], "label": -1}\n]\n`;
    const [h, t] = text.split("_");
    assert.ok(h !== undefined && t !== undefined, "the list has its '_' placeholder");
    fs.writeFileSync(list, Buffer.concat([Buffer.from(h), Buffer.from([0xe9]), Buffer.from(t)]));
    const elements = [];
    for await (const r of readRawRecords(list, "json-array", { highWaterMark: 5 })) elements.push(r);
    assert.equal(elements[1]?.line, 3, "the element starts on line 3");
    assert.deepEqual(elements[1]?.invalidUtf8, { offset: Buffer.byteLength(h), line: 4, byte: 0xe9 });
    assert.equal(itemAt(elements, 0, "the first element").invalidUtf8, undefined);
  });

  it("segment: a warning at ds.jsonl:2, every record read; --strict: record 2 refused at ds.jsonl:2, the others read", async () => {
    const warn = await cli(["segment", jsonl, "--json"]);
    assert.equal(warn.code, 0, warn.err);
    assert.match(warn.err, /ds\.jsonl:2: warning: invalid UTF-8 \(byte 0xe9 at offset \d+, record 1\)/);
    assert.equal(warn.out.trim().split("\n").length, 3);
    const strict = await cli(["segment", jsonl, "--json", "--strict"]);
    assert.equal(strict.code, 1);
    assert.match(strict.err, /ds\.jsonl:2: invalid UTF-8/);
    assert.equal(strict.out.trim().split("\n").length, 2);
    assert.doesNotMatch(strict.out, /\uFFFD/);
  });

  it("export: the warning names file:line; --strict skips the record and says so", async () => {
    const out = path.join(dir.path, "pb.jsonl");
    const r = await cli(["export", jsonl, "--format", "processbench", "--out", out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /ds\.jsonl:2: warning: invalid UTF-8/);
    assert.equal(fs.readFileSync(out, "utf8").trim().split("\n").length, 3);
    const s = await cli(["export", jsonl, "--format", "processbench", "--out", out, "--strict"]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, /ds\.jsonl:2: invalid UTF-8/);
    assert.match(s.err, /1 bad record/);
    assert.deepEqual(
      fs
        .readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
      ["ok-1", "ok-2"],
    );
  });

  it("synthesize --problems: readProblems warns at file:line, or under strict skips the record through onBadRecord", async () => {
    const warnings: StepLensError[] = [];
    const bad: StepLensError[] = [];
    const ids = [];
    for await (const p of readProblems(jsonl, { onWarning: (w) => warnings.push(w), onBadRecord: (e) => bad.push(e) })) ids.push(p.id);
    assert.deepEqual(ids, ["ok-1", "bad", "ok-2"]);
    assert.equal(warnings.length, 1);
    assert.match(itemAt(warnings, 0, "the warning").format(), /ds\.jsonl:2: invalid UTF-8/);
    const strictIds = [];
    for await (const p of readProblems(jsonl, { strict: true, onWarning: (w) => warnings.push(w), onBadRecord: (e) => bad.push(e) })) strictIds.push(p.id);
    assert.deepEqual(strictIds, ["ok-1", "ok-2"]);
    assert.equal(bad.length, 1);
    assert.equal(bad[0]?.details.line, 2);
  });

  it("synthesize --problems through the CLI (tiny model): the warning once, at file:line; --strict skips it (exit 1)", async () => {
    const model = await testModel({ tokenizer: "spm", chatTemplate: true });
    const problems = path.join(dir.path, "problems.jsonl");
    const [h, t] = JSON.stringify({ id: "b", problem: "Caf_: what is 1 + 1?" }).split("_");
    fs.writeFileSync(
      problems,
      Buffer.concat([Buffer.from(JSON.stringify({ id: "a", problem: "What is 2 + 3?" }) + "\n" + h), Buffer.from([0xe9]), Buffer.from(t + "\n")]),
    );
    const args = ["--model", model, "--solutions", "1", "--verifications", "1", "--max-tokens", "4", "--gpu", "off", "--json"];
    const r = await cli(["synthesize", "--problems", problems, "--out", path.join(dir.path, "s1"), ...args]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err.match(/problems\.jsonl:2: warning: invalid UTF-8/g)?.length, 1, r.err);
    assert.equal(JSON.parse(r.out).counts.problems, 2);
    const s = await cli(["synthesize", "--problems", problems, "--out", path.join(dir.path, "s2"), ...args, "--strict"]);
    assert.equal(s.code, 1, s.err);
    assert.match(s.err, /problems\.jsonl:2: invalid UTF-8/);
    assert.equal(JSON.parse(s.out).counts.problems, 1);
  });
});
