/**
 * One engine call of a synthesis run with its tries: the call's value, or its last error (with the
 * StepLensError code, if any) for the failure record. Cancellation is never retried nor recorded:
 * it is thrown. No `vscode` import.
 */
import { CancelledError, errorMessage, StepLensError, throwIfAborted } from "../../core/errors";

/** Tries of one call at this level; the engines retry transient errors themselves and the pool moves a call to another endpoint. */
export const ATTEMPTS = 1;

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: string; code: string | undefined };

export async function withRetries<T>(what: () => Promise<T>, signal: AbortSignal | undefined): Promise<CallResult<T>> {
  let last: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    throwIfAborted(signal);
    try {
      return { ok: true, value: await what() };
    } catch (e) {
      if (e instanceof CancelledError || signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
      last = e;
    }
  }
  return { ok: false, error: errorMessage(last), code: last instanceof StepLensError ? last.details.code : undefined };
}
