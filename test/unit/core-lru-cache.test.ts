// The one in-memory cache policy (src/core/lruCache.ts): bounded, and the least recently used entry
// goes first — a read counts as a use. Expected orders worked out by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LruCache } from "../../src/core/lruCache";

test("holds at most maxEntries; the least recently used goes first, and a read is a use", () => {
  const c = new LruCache<string, number>(3);
  c.set("a", 1).set("b", 2).set("c", 3);
  assert.equal(c.get("a"), 1); // order of use now: b, c, a
  c.set("d", 4); // drops b
  assert.equal(c.size, 3);
  assert.equal(c.has("b"), false);
  assert.deepEqual(
    ["a", "c", "d"].map((k) => c.get(k)),
    [1, 3, 4],
  ); // order now: a, c, d
  c.set("c", 30); // overwrite: c is the most recent, nothing dropped
  c.set("e", 5); // drops a
  assert.equal(c.has("a"), false);
  assert.deepEqual(
    ["c", "d", "e"].map((k) => c.get(k)),
    [30, 4, 5],
  );
});

test("falsy values are hits; a miss is undefined; delete, clear; a bound below 1 keeps one entry", () => {
  const c = new LruCache<string, number | null>(2);
  c.set("zero", 0).set("null", null);
  assert.equal(c.get("zero"), 0);
  assert.equal(c.get("null"), null);
  assert.equal(c.get("missing"), undefined);
  assert.equal(c.delete("zero"), true);
  assert.equal(c.size, 1);
  c.clear();
  assert.equal(c.size, 0);
  const one = new LruCache<string, number>(0);
  one.set("x", 1).set("y", 2);
  assert.equal(one.size, 1);
  assert.equal(one.get("y"), 2);
});
