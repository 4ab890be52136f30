import { test } from "node:test";
import assert from "node:assert/strict";
import { StepLensError } from "../../src/core/errors";
import { GrammarCache } from "../../src/engines/local/grammarCache";
import { checkJsonSchema, CLIENT_SCHEMA_LIMITS } from "../../src/engines/jsonSchemaLimits";

test("3,000 distinct schemas: the cache stays at its size, most recently used kept", async () => {
  let compiled = 0;
  const cache = new GrammarCache(async (schema: object) => ({ schema, n: compiled++ }), 16);
  for (let i = 0; i < 3000; i++) await cache.get({ type: "string", maxLength: i + 1 });
  assert.equal(cache.size, 16);
  assert.equal(compiled, 3000);
  await cache.get({ type: "string", maxLength: 3000 }); // hit
  assert.equal(compiled, 3000);
  await cache.get({ type: "string", maxLength: 2985 }); // hit (among the last 16), now most recent
  for (let i = 0; i < 15; i++) await cache.get({ type: "number", minimum: i });
  await cache.get({ type: "string", maxLength: 2985 });
  assert.equal(compiled, 3015, "the touched entry survived 15 new ones");
  await cache.get({ type: "string", maxLength: 3000 });
  assert.equal(compiled, 3016, "the untouched one was dropped");
});

test("a compiler failure becomes a bad-schema StepLensError and is not cached; over-limit schemas never reach the compiler", async () => {
  let calls = 0;
  const cache = new GrammarCache(async () => {
    calls++;
    throw new Error("Failed to parse grammar\nroot ::= ...");
  }, 4);
  await assert.rejects(
    cache.get({ type: "string" }),
    (e: unknown) => e instanceof StepLensError && e.details.code === "bad-schema" && /Failed to parse grammar\.$/.test(e.message),
  );
  assert.equal(cache.size, 0);
  await assert.rejects(
    cache.get({ type: "array", items: { type: "string" }, minItems: 3000 }),
    (e: unknown) => e instanceof StepLensError && /minItems/.test(e.message),
  );
  assert.equal(calls, 1);
});

test("schema limits: depth checked without recursion (50,000 levels), counts, size, non-objects", () => {
  let deep: object = { type: "string" };
  for (let i = 0; i < 50_000; i++) deep = { type: "array", items: deep };
  assert.throws(() => checkJsonSchema(deep, CLIENT_SCHEMA_LIMITS, "{}"), /nested more than 64 levels deep/);
  assert.throws(() => checkJsonSchema({ type: "object", maxProperties: 10_000 }), /'maxProperties' is 10000/);
  assert.throws(() => checkJsonSchema({ type: "string", maxLength: 1e9 }), /'maxLength' is 1000000000/);
  assert.throws(() => checkJsonSchema([] as unknown as object), /must be an object/);
  assert.doesNotThrow(() => checkJsonSchema({ type: "object", properties: { a: { type: "array", items: { type: "string", maxLength: 300 }, maxItems: 8 } } }));
});
