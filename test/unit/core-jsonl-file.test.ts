// The one buffered JSON Lines writer (src/core/jsonlFile.ts): every value a line, across chunk
// boundaries; the file replaced whole; a value that cannot be serialised leaves the old file and no
// temporary file behind; never through a link.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeJsonlFile } from "../../src/core/jsonlFile";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "steplens-jsonl-file-"));

test("writes one line per value, across many chunk boundaries, and counts them", () => {
  const dir = tmp();
  const file = path.join(dir, "out.jsonl");
  const values = Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, text: "é".repeat(i % 50) }));
  assert.equal(writeJsonlFile(file, dir, values, { chunkChars: 100, fsync: false }), 1000);
  const lines = fs.readFileSync(file, "utf8").split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    values,
  );
  assert.deepEqual(fs.readdirSync(dir), ["out.jsonl"], "no temporary file left");
});

test("a value that cannot be serialised leaves the previous file as it was", () => {
  const dir = tmp();
  const file = path.join(dir, "out.jsonl");
  fs.writeFileSync(file, "old\n");
  function* values() {
    yield { ok: 1 };
    yield { big: 1n }; // JSON.stringify throws on a BigInt
  }
  assert.throws(() => writeJsonlFile(file, dir, values(), { fsync: false }), /BigInt/);
  assert.equal(fs.readFileSync(file, "utf8"), "old\n");
  assert.deepEqual(fs.readdirSync(dir), ["out.jsonl"], "the temporary file was removed");
});

test("refuses to write through a link", () => {
  const dir = tmp();
  const target = path.join(dir, "elsewhere.txt");
  fs.writeFileSync(target, "keep\n");
  const link = path.join(dir, "out.jsonl");
  fs.symlinkSync(target, link);
  assert.throws(() => writeJsonlFile(link, dir, [{ a: 1 }], { fsync: false }));
  assert.equal(fs.readFileSync(target, "utf8"), "keep\n");
});
