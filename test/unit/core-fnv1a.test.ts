// The one FNV-1a of StepLens (src/core/fnv1a.ts) against the published FNV-1a 32-bit test vectors
// (Fowler/Noll/Vo reference, "FNV-1a" column): both inputs agree on ASCII; UTF-8 hashes the bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fnv1aUtf16, fnv1aUtf8 } from "../../src/core/fnv1a";
import { fnv1a, shardOf } from "../../src/synthesis/ids";

const VECTORS: [string, number][] = [
  ["", 0x811c9dc5],
  ["a", 0xe40c292c],
  ["b", 0xe70c2de5],
  ["foobar", 0xbf9cf968],
];

test("published FNV-1a 32-bit vectors, from UTF-8 bytes and from UTF-16 code units", () => {
  for (const [text, expected] of VECTORS) {
    assert.equal(fnv1aUtf8(text), expected, `utf8 ${JSON.stringify(text)}`);
    assert.equal(fnv1aUtf16(text), expected, `utf16 ${JSON.stringify(text)}`);
  }
});

test("non-ASCII: UTF-8 hashes the two bytes of é, UTF-16 its one code unit", () => {
  // é is C3 A9 in UTF-8 and U+00E9 in UTF-16; each step is h = (h ^ unit) * 16777619 mod 2^32.
  const step = (h: number, unit: number) => Number((BigInt((h ^ unit) >>> 0) * 16777619n) % 2n ** 32n);
  assert.equal(fnv1aUtf8("é"), step(step(0x811c9dc5, 0xc3), 0xa9));
  assert.equal(fnv1aUtf16("é"), step(0x811c9dc5, 0xe9));
});

test("synthesis shards keep their hash (ids.ts re-exports the UTF-8 one)", () => {
  assert.equal(fnv1a, fnv1aUtf8);
  assert.equal(shardOf("foobar", 7), 0xbf9cf968 % 7);
  assert.equal(shardOf("anything", 1), 0);
});
