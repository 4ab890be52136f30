/**
 * `node:test` as the unit tests see it: test/runner/unit.mjs resolves every `import … from
 * "node:test"` in a test file to this module. It is node's own module with one change: `test` and
 * `it` get a default time limit, so a test that hangs fails as "test timed out after N ms" under its
 * own name instead of hanging the suite (on Node 20, `node --test --test-timeout` bounds a whole
 * file, not each test). A test that needs longer says so: `test("…", { timeout: 60_000 }, fn)`.
 * STEPLENS_TEST_TIMEOUT_MS overrides the default. Not a test file itself.
 */
import * as nodeTest from "node:test";

export { after, afterEach, before, beforeEach, describe, mock, run, suite } from "node:test";

const envTimeout = Number(process.env.STEPLENS_TEST_TIMEOUT_MS);
/** The time limit of a test that sets none (milliseconds). */
export const DEFAULT_TEST_TIMEOUT_MS = Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout : 120_000;

type TestFn = typeof nodeTest.test;

/** The arguments of test()/it() with `timeout` filled in where the caller set none. */
function withDefaultTimeout(args: unknown[]): unknown[] {
  const rest = [...args];
  const name = typeof rest[0] === "string" ? (rest.shift() as string) : undefined;
  const options = rest[0] !== null && typeof rest[0] === "object" ? (rest.shift() as object) : {};
  return [name, { timeout: DEFAULT_TEST_TIMEOUT_MS, ...options }, ...rest];
}

function bounded(original: TestFn): TestFn {
  const call =
    (fn: (...a: unknown[]) => unknown) =>
    (...args: unknown[]) =>
      fn(...withDefaultTimeout(args));
  const wrapped = call(original as (...a: unknown[]) => unknown) as unknown as TestFn;
  Object.assign(wrapped, {
    skip: original.skip,
    todo: original.todo,
    only: call(original.only as (...a: unknown[]) => unknown),
  });
  return wrapped;
}

export const test: TestFn = bounded(nodeTest.test);
export const it: TestFn = bounded(nodeTest.it as TestFn);
export default test;
