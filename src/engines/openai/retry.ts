/**
 * Retries for endpoint requests: which failures are worth retrying (429, 5xx, timeouts, dropped
 * connections), how long to wait (exponential backoff with full jitter, or the server's
 * Retry-After when it sends one), and an abortable sleep. No `vscode` import here.
 */
import { CancelledError } from "../../core/errors";

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  /** Backoff base: attempt k waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^k)]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Longest Retry-After the client accepts; a server asking for longer makes the request fail
   * at once with a message that says so (rather than hanging for minutes).
   */
  maxRetryAfterMs: number;
  /** Random source in [0, 1) (injectable for tests). */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
};

/** HTTP statuses worth retrying: 408 (request timeout), 409 (lock conflict), 429 (rate limit), 5xx. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The wait a server asks for, in milliseconds: `retry-after-ms` (OpenAI, vLLM), or `Retry-After`
 * as seconds or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers | undefined | null, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms != null && ms.trim() !== "") {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const ra = headers.get("retry-after");
  if (ra == null || ra.trim() === "") return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/**
 * Delay before retry number `attempt` (0-based). With a server-given Retry-After the delay is
 * exactly that (the server knows its own load); otherwise full-jitter exponential backoff.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const random = policy.random ?? Math.random;
  return Math.floor(random() * cap);
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
