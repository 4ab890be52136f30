/**
 * Index reads in tests, checked: `itemAt(xs, i, "the second step")` returns the element or fails the
 * test with what was missing (instead of a TypeError on `undefined` later); tsconfig.json has
 * noUncheckedIndexedAccess on.
 */
import assert from "node:assert/strict";

export function itemAt<T>(xs: ArrayLike<T>, i: number, what = `item ${i}`): T {
  const x = xs[i];
  assert.ok(x !== undefined, `${what}: index ${i} of ${xs.length} is missing`);
  return x;
}

/** The only element of a one-element list (fails the test otherwise). */
export function only<T>(xs: ArrayLike<T>, what = "the only item"): T {
  assert.equal(xs.length, 1, `${what}: expected exactly one, got ${xs.length}`);
  return itemAt(xs, 0, what);
}
