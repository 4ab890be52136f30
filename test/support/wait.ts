/**
 * The one `sleep` and `waitFor` of the test suites (unit, extension host). Every wait has a bound
 * and names what it waited for, so a regression fails the test with a message instead of hanging
 * the suite. Not a test file itself; imports nothing from vscode.
 *
 *   await waitFor("the request at the server", () => fake.seen.length, (n) => n > 0);
 *   await waitUntil("the server idle", () => server.load.active === 0, { timeoutMs: 5000 });
 */
import assert from "node:assert/strict";

/** Resolves after `ms` milliseconds. Only for pacing fakes and for "nothing happens within" checks. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Fail after this long (default 10 s). */
  timeoutMs?: number;
  /** Poll every this many milliseconds (default 10). */
  intervalMs?: number;
}

function describe(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 400);
  } catch {
    return String(value).slice(0, 400);
  }
}

/**
 * Polls `read()` until `ok(value)` holds and returns that value; fails, naming `what` and the last
 * value read, once `timeoutMs` has passed (`options` may be just the timeout in milliseconds).
 */
export async function waitFor<T>(what: string, read: () => T | Promise<T>, ok: (value: T) => boolean, options: WaitOptions | number = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 10 } = typeof options === "number" ? { timeoutMs: options } : options;
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(value)}`);
    await sleep(intervalMs);
    value = await read();
  }
  return value;
}

/** Polls `cond()` until it is true; fails naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  await waitFor(what, cond, (v) => v, options);
}

/** Polls `probe()` until it returns something other than undefined, and returns it. */
export async function waitForValue<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  return (await waitFor(what, probe, (v) => v !== undefined, options)) as T;
}

/**
 * Settles `promise` against a bound: resolves with its value, or fails naming `what` after
 * `timeoutMs` (the promise keeps running; the test fails instead of hanging).
 */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `timed out after ${timeoutMs} ms waiting for ${what}` })), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
