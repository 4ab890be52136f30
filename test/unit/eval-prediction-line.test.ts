// One line of a predictions file, validated by its valibot schema (src/eval/predictions.ts): the
// accepted shapes and each refusal's message, as the file format documents them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPrediction, parsePredictionLine } from "../../src/eval/predictions";

test("accepted: a string or numeric id, an integer prediction from -1; extra fields ignored", () => {
  assert.deepEqual(parsePredictionLine({ id: "gsm8k-0", prediction: -1 }), { id: "gsm8k-0", prediction: -1 });
  assert.deepEqual(parsePredictionLine({ id: 7, prediction: 3, note: "x" }), { id: "7", prediction: 3 });
});

test("refused, with the reason: not an object, no id, a bad prediction (the id is checked first)", () => {
  const problem = (v: unknown) => (parsePredictionLine(v) as { problem: string }).problem;
  for (const v of [null, 3, "x", [{ id: "a", prediction: 0 }]])
    assert.equal(problem(v), 'not an object; expected {"id": "...", "prediction": <int>}', JSON.stringify(v));
  for (const id of [undefined, "", true, null]) assert.equal(problem({ id, prediction: 0 }), 'no "id" string', String(id));
  assert.equal(problem({ id: "", prediction: "x" }), 'no "id" string');
  assert.equal(problem({ id: "a", prediction: 1.5 }), '"prediction" must be an integer (got 1.5)');
  assert.equal(problem({ id: "a", prediction: "2" }), '"prediction" must be an integer (got "2")');
  assert.equal(problem({ id: "a" }), '"prediction" must be an integer (got undefined)');
  assert.equal(problem({ id: "a", prediction: -2 }), '"prediction" must be -1 (no error) or a 0-based step index (got -2)');
  assert.equal(checkPrediction(0), null);
  assert.equal(checkPrediction(null), '"prediction" must be an integer (got null)');
});
