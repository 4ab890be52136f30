import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { detectFormat, detectRecordFormat, isFormatChoice } from "../../src/formats/detect";
import { StepLensError } from "../../src/core/errors";
import { FIXTURES, PROCESSBENCH_DIR, jsonl, withTempDir } from "./formats-kit";

const PB = { id: "x", problem: "p", steps: ["a"], label: -1 };
const PRM = { question: { problem: "p" }, label: { steps: [] } };
const MS = { input: "Q? Step 1: a ки", label: "Q? Step 1: a +" };

test("detectRecordFormat: the record's fields decide", () => {
  assert.equal(detectRecordFormat(PB), "processbench");
  assert.equal(detectRecordFormat(PRM), "prm800k");
  assert.equal(detectRecordFormat(MS), "math-shepherd");
  assert.equal(detectRecordFormat({ input: "Q? <t>", label: "x" }, "<t>"), "math-shepherd");
  assert.equal(detectRecordFormat({ input: "no tag" }), "jsonl");
  assert.equal(detectRecordFormat({ problem: "p", steps: ["a"] }), "jsonl", "no integer label: generic");
  assert.equal(detectRecordFormat({ messages: [] }), "jsonl");
  assert.equal(detectRecordFormat([1]), "jsonl");
});

test("detectFormat: fixtures and the real ProcessBench files", async () => {
  const f = (name: string) => path.join(FIXTURES(), name);
  assert.deepEqual(await detectFormat(f("processbench.json")), {
    format: "processbench",
    container: "json-array",
    reason: "first record looks like processbench",
  });
  assert.equal((await detectFormat(f("processbench.jsonl"))).container, "jsonl");
  assert.equal((await detectFormat(f("prm800k.jsonl"))).format, "prm800k");
  assert.equal((await detectFormat(f("math-shepherd.jsonl"))).format, "math-shepherd");
  assert.equal((await detectFormat(f("generic.jsonl"))).format, "jsonl");
  assert.deepEqual(await detectFormat(path.join(PROCESSBENCH_DIR, "math.json")), {
    format: "processbench",
    container: "json-array",
    reason: "first record looks like processbench",
  });
});

test("detectFormat: extensions, content sniffing, and an explicit format that wins", async () => {
  await withTempDir(async (tmp) => {
    const md = tmp.file("t.md", "Problem: 1+1?\n\nStep 1: 2.\n");
    assert.deepEqual(await detectFormat(md), { format: "text", container: null, reason: "extension .md" });
    assert.equal((await detectFormat(tmp.file("t.trace", "{not json"))).format, "text", ".trace is text whatever it holds");
    // No known extension: the content decides.
    assert.deepEqual(await detectFormat(tmp.file("noext", jsonl([PRM]))), { format: "prm800k", container: "jsonl", reason: "first record looks like prm800k" });
    assert.equal((await detectFormat(tmp.file("notes.log", "[link](x) and prose\n"))).format, "text");
    assert.equal((await detectFormat(tmp.file("brace.out", "{ not json }\n"))).format, "text");
    // Explicit wins over extension and content; the container is still sniffed.
    assert.deepEqual(await detectFormat(md, { format: "processbench" }), { format: "processbench", container: "jsonl", reason: "explicit" });
    const arr = tmp.file("arr.txt", JSON.stringify([PB]));
    assert.deepEqual(await detectFormat(arr, { format: "jsonl" }), { format: "jsonl", container: "json-array", reason: "explicit" });
    assert.deepEqual(await detectFormat(tmp.file("d.jsonl", jsonl([PB])), { format: "text" }), { format: "text", container: null, reason: "explicit" });
    // Leading bad records are skipped when sniffing the kind.
    const messy = tmp.file("messy.jsonl", "{bad\n[1,2]\n" + jsonl([MS]));
    assert.equal((await detectFormat(messy)).format, "math-shepherd");
    // A .jsonl with nothing parseable is still a (generic) dataset, so each line gets reported.
    assert.deepEqual(await detectFormat(tmp.file("junk.jsonl", "{a\n{b\n")), {
      format: "jsonl",
      container: "jsonl",
      reason: "extension .jsonl (no record parses)",
    });
    assert.equal((await detectFormat(tmp.file("empty.json", ""))).format, "jsonl");
    // A custom Math-Shepherd tag is honoured while detecting.
    assert.equal((await detectFormat(tmp.file("tag.jsonl", jsonl([{ input: "Q? Step 1: a <t>" }])), { stepTag: "<t>" })).format, "math-shepherd");
  });
});

test("detectFormat: a missing file or a folder is a clear StepLensError", async () => {
  await withTempDir(async (tmp) => {
    const missing = path.join(tmp.dir, "nope.jsonl");
    await assert.rejects(
      detectFormat(missing),
      (e: unknown) =>
        e instanceof StepLensError && e.format() === `${missing}: no such file. Check the path (relative paths start from the current directory).`,
    );
    await assert.rejects(detectFormat(tmp.dir), (e: unknown) => e instanceof StepLensError && /not a regular file/.test(e.message));
  });
});

test("isFormatChoice: the CLI's --format values", () => {
  for (const f of ["auto", "text", "processbench", "prm800k", "math-shepherd", "jsonl"]) assert.ok(isFormatChoice(f), f);
  for (const f of ["json", "PRM800K", "", "markdown"]) assert.ok(!isFormatChoice(f), f);
});
