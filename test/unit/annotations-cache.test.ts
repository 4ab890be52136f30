import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ResultCache, canonicalJson, contentKey, scoreCacheKey } from "../../src/annotations/resultCache";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-cache-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(root, `c${n++}`);
const key = (s: string) => contentKey({ s });

interface Value {
  scores: number[];
}
const isValue = (v: unknown): v is Value => typeof v === "object" && v !== null && Array.isArray((v as Value).scores);

test("keys: canonical JSON, sha256 hex, every result-changing input matters", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}');
  assert.equal(contentKey({ a: 1, b: 2 }), contentKey({ b: 2, a: 1 }));
  assert.match(contentKey("x"), /^[0-9a-f]{64}$/);
  assert.equal(contentKey("x"), "ba2df4903a2c14e86dc3bcca58911b44ac1d2514b7227bf6eb08cfb978f55a1b"); // sha256 of the JSON text "x" (with quotes)
  const base = { problem: "p", steps: ["a", "b"], model: "m.gguf", adapter: "math-shepherd", settings: { stepTag: "ки" } };
  const k = scoreCacheKey(base);
  assert.equal(scoreCacheKey({ ...base, settings: { stepTag: "ки" } }), k);
  for (const changed of [
    { ...base, problem: "p2" },
    { ...base, steps: ["a", "b "] },
    { ...base, steps: ["a b"] },
    { ...base, steps: ["ab", ""] },
    { ...base, model: "m2.gguf" },
    { ...base, adapter: "judge" },
    { ...base, settings: { stepTag: "<step>" } },
  ])
    assert.notEqual(scoreCacheKey(changed), k, JSON.stringify(changed));
});

test("put/get round trip, misses, and persistence across instances", async () => {
  const dir = fresh();
  const cache = new ResultCache<Value>(dir, {}, isValue);
  assert.equal(await cache.get(key("a")), undefined); // no folder yet
  await cache.put(key("a"), { scores: [0.1, 0.9] });
  assert.deepEqual(await cache.get(key("a")), { scores: [0.1, 0.9] });
  assert.deepEqual(cache.stats(), { entries: 1, bytes: fs.statSync(path.join(dir, `${key("a")}.json`)).size, hits: 1, misses: 1, evictions: 0, corrupt: 0 });
  const reopened = new ResultCache<Value>(dir, {}, isValue);
  assert.deepEqual(await reopened.get(key("a")), { scores: [0.1, 0.9] });
  assert.equal(reopened.stats().entries, 1);
  await reopened.delete(key("a"));
  assert.equal(await reopened.get(key("a")), undefined);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test("eviction by count is least-recently-used (a get counts as a use)", async () => {
  const dir = fresh();
  const cache = new ResultCache<Value>(dir, { maxEntries: 3 }, isValue);
  for (const k of ["a", "b", "c"]) await cache.put(key(k), { scores: [k.charCodeAt(0)] });
  await cache.get(key("a"));
  await cache.put(key("d"), { scores: [4] });
  assert.equal(await cache.get(key("b")), undefined);
  for (const k of ["a", "c", "d"]) assert.ok(await cache.get(key(k)), k);
  assert.equal(cache.stats().evictions, 1);
  assert.equal(fs.readdirSync(dir).length, 3);
});

test("eviction by bytes, and a value larger than the whole cache is not stored", async () => {
  const dir = fresh();
  const probe = JSON.stringify({ v: 1, key: key("x"), storedAt: new Date().toISOString(), value: { scores: [1, 2, 3] } }).length;
  const cache = new ResultCache<Value>(dir, { maxBytes: probe * 2 + 10 }, isValue);
  await cache.put(key("a"), { scores: [1, 2, 3] });
  await cache.put(key("b"), { scores: [1, 2, 3] });
  await cache.put(key("c"), { scores: [1, 2, 3] });
  assert.equal(await cache.get(key("a")), undefined);
  assert.ok(await cache.get(key("b")));
  assert.ok(await cache.get(key("c")));
  assert.ok(cache.stats().bytes <= probe * 2 + 10);
  await cache.put(key("huge"), { scores: new Array(1000).fill(0.5) });
  assert.equal(await cache.get(key("huge")), undefined);
  assert.ok(await cache.get(key("b")));
});

test("use order survives a restart (modification times)", async () => {
  const dir = fresh();
  const first = new ResultCache<Value>(dir, {}, isValue);
  for (const k of ["a", "b", "c"]) await first.put(key(k), { scores: [1] });
  const t = Date.now() / 1000;
  fs.utimesSync(path.join(dir, `${key("a")}.json`), t - 10, t - 10);
  fs.utimesSync(path.join(dir, `${key("b")}.json`), t - 30, t - 30);
  fs.utimesSync(path.join(dir, `${key("c")}.json`), t - 20, t - 20);
  const second = new ResultCache<Value>(dir, { maxEntries: 2 }, isValue);
  await second.put(key("d"), { scores: [1] }); // over the bound: evicts the two oldest, b then c
  assert.deepEqual(fs.readdirSync(dir).sort(), [`${key("a")}.json`, `${key("d")}.json`].sort());
});

test("corrupt files are ignored and removed", async () => {
  const dir = fresh();
  const cache = new ResultCache<Value>(dir, {}, isValue);
  await cache.put(key("ok"), { scores: [1] });
  fs.writeFileSync(path.join(dir, `${key("garbage")}.json`), "{not json");
  fs.writeFileSync(path.join(dir, `${key("half")}.json`), '{"v":1,"key":"' + key("half") + '","value":{"sco');
  fs.writeFileSync(path.join(dir, `${key("wrongkey")}.json`), JSON.stringify({ v: 1, key: key("other"), value: { scores: [1] } }));
  fs.writeFileSync(path.join(dir, `${key("oldver")}.json`), JSON.stringify({ v: 0, key: key("oldver"), value: { scores: [1] } }));
  fs.writeFileSync(path.join(dir, `${key("invalid")}.json`), JSON.stringify({ v: 1, key: key("invalid"), value: { scores: "no" } }));
  fs.writeFileSync(path.join(dir, `${key("empty")}.json`), "");
  for (const k of ["garbage", "half", "wrongkey", "oldver", "invalid", "empty"]) {
    assert.equal(await cache.get(key(k)), undefined, k);
    assert.equal(fs.existsSync(path.join(dir, `${key(k)}.json`)), false, k);
  }
  assert.equal(cache.stats().corrupt, 6);
  assert.deepEqual(await cache.get(key("ok")), { scores: [1] });
});

test("concurrent writes of one key leave one whole value and no temp files; stale temp files are cleaned", async () => {
  const dir = fresh();
  const cache = new ResultCache<Value>(dir, {}, isValue);
  const other = new ResultCache<Value>(dir, {}, isValue); // a second window on the same folder
  const values = Array.from({ length: 20 }, (_, i) => ({ scores: new Array(200).fill(i) }));
  await Promise.all(values.map((v, i) => (i % 2 ? cache : other).put(key("same"), v)));
  const got = await cache.get(key("same"));
  assert.ok(got && got.scores.length === 200 && got.scores.every((s) => s === got.scores[0]));
  assert.deepEqual(fs.readdirSync(dir), [`${key("same")}.json`]);

  const stale = path.join(dir, `${key("x")}.123.abc.tmp`);
  const recent = path.join(dir, `${key("y")}.123.def.tmp`);
  fs.writeFileSync(stale, "partial");
  fs.writeFileSync(recent, "partial");
  const old = Date.now() / 1000 - 3600;
  fs.utimesSync(stale, old, old);
  const third = new ResultCache<Value>(dir, {}, isValue);
  await third.get(key("same"));
  assert.equal(fs.existsSync(stale), false);
  assert.equal(fs.existsSync(recent), true); // may belong to a write in progress elsewhere
});

test("keys that are not plain file names are refused", async () => {
  const cache = new ResultCache<Value>(fresh(), {}, isValue);
  await assert.rejects(cache.get("../escape"), /invalid cache key/);
  await assert.rejects(cache.put("a/b", { scores: [] }), /invalid cache key/);
  await assert.rejects(cache.put("", { scores: [] }), /invalid cache key/);
});
