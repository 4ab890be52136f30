/**
 * The concurrency window of a synthesis run: problems are taken from a stream in windows of
 * `window` (within `limit`), each window's problems worked on at the same time, the next window
 * started when this one has settled. A window's generations are thus all asked for first and its
 * verifications after them, so a server that caches prompts per slot (llama.cpp server, steplens
 * serve) sees long runs of the same verifier prompt, not an interleaving of the two kinds. The
 * first failure of a window is thrown once the whole window has settled. No `vscode` import.
 */
import { throwIfAborted } from "../../core/errors";

export interface WindowOptions {
  /** Items worked on at the same time (at least 1). */
  window: number;
  /** Items taken in all (--limit); undefined: all. */
  limit?: number;
  signal?: AbortSignal;
}

/** Works on the items of `iterator` window by window; the caller closes the iterator. */
export async function forEachWindow<T>(iterator: AsyncIterator<T>, opts: WindowOptions, work: (item: T) => Promise<void>): Promise<void> {
  const { window, limit, signal } = opts;
  let taken = 0;
  for (let more = true; more;) {
    throwIfAborted(signal);
    const batch: T[] = [];
    while (batch.length < window && (limit === undefined || taken < limit)) {
      const r = await iterator.next();
      if (r.done) break;
      taken++;
      batch.push(r.value);
    }
    more = batch.length === window && (limit === undefined || taken < limit);
    const results = await Promise.allSettled(batch.map(work));
    const bad = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
    if (bad) throw bad.reason;
  }
}
