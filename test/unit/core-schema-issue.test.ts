/**
 * src/core/schemaIssue.ts: the field an issue names, messages that carry a code and `$field`, and
 * the two object helpers the boundary schemas rely on. Expected values are written out by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { isJsonObject } from "../../src/core/jsonValue";
import { checkedWhole, coded, issueText, jsonObject } from "../../src/core/schemaIssue";

const firstIssue = (schema: v.GenericSchema, value: unknown) => {
  const r = v.safeParse(schema, value, { abortPipeEarly: true });
  assert.equal(r.success, false, `expected ${JSON.stringify(value)} to be refused`);
  return r.issues![0];
};

test("the field is the issue's path: keys with dots, indices in brackets, after the base", () => {
  const schema = v.object({ items: v.array(v.object({ prompt: v.string("'$field' must be a string.") })) });
  const issue = firstIssue(schema, { items: [{ prompt: "a" }, { prompt: 3 }] });
  assert.deepEqual(issueText(issue), { field: "items[1].prompt", message: "'items[1].prompt' must be a string.", code: undefined });
  assert.equal(issueText(firstIssue(v.array(v.string("$field")), ["a", 1]), "messages").field, "messages[1]");
  assert.equal(issueText(firstIssue(v.string("$field!"), 1), "prompt").message, "prompt!");
});

test("a coded message hands back its code apart; a code may depend on the input", () => {
  const missingOrType = coded((issue) => (issue.input === undefined ? "missing_required_parameter" : "invalid_type"), "'$field' must be a string.");
  const schema = v.object({ a: v.optional(v.number()), b: v.string(missingOrType) });
  assert.deepEqual(issueText(firstIssue(schema, { b: 3 })), { field: "b", message: "'b' must be a string.", code: "invalid_type" });
  assert.deepEqual(issueText(firstIssue(jsonObject({ b: v.string(missingOrType) }, "object"), {})), {
    field: "b",
    message: "'b' must be a string.",
    code: "missing_required_parameter",
  });
});

test("jsonObject: arrays and non-objects get its message, a missing key its entry's, other keys are dropped", () => {
  const schema = jsonObject({ role: v.picklist(["user", "system"], "'$field' must be user or system.") }, "'$field' must be an object.");
  assert.equal(issueText(firstIssue(schema, []), "m").message, "'m' must be an object.");
  assert.equal(issueText(firstIssue(schema, null), "m").message, "'m' must be an object.");
  assert.equal(issueText(firstIssue(schema, "user"), "m").message, "'m' must be an object.");
  assert.equal(issueText(firstIssue(schema, {}), "m").message, "'m.role' must be user or system.");
  assert.deepEqual(v.parse(schema, { role: "user", extra: 1 }), { role: "user" });
});

test("checkedWhole: a bad part inside is reported at the value, also through a union around an array of them", () => {
  const part = checkedWhole(v.object({ type: v.literal("text"), text: v.string() }), "'$field' must be a text part.");
  const content = v.union([v.string(), v.array(part)], "'$field' must be a string or parts.");
  const issue = firstIssue(v.object({ content }), { content: [{ type: "text", text: "a" }, { type: "image" }] });
  assert.equal(issueText(issue).message, "'content[1]' must be a text part.");
  assert.equal(issueText(firstIssue(v.object({ content }), { content: 5 })).message, "'content' must be a string or parts.");
  assert.deepEqual(v.parse(content, [{ type: "text", text: "a" }]), [{ type: "text", text: "a" }]);
});

test("isJsonObject: objects only (a request body, a settings file), not arrays, null or scalars", () => {
  assert.deepEqual(
    [{}, { a: 1 }, [], [1], null, undefined, "{}", 3, true].map((x) => isJsonObject(x)),
    [true, true, false, false, false, false, false, false, false],
  );
});
