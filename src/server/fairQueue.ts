/**
 * Requests queue fairly onto the engine: at most `concurrency` run at once (the engine's
 * sequences), and waiting requests are served round-robin across lanes (one lane per client), so
 * one client's burst does not starve another. Past `maxWaiting` the queue refuses (503 with
 * Retry-After) instead of growing without bound. No `vscode` import here.
 */
import { CancelledError } from "../core/errors";
import { ApiError } from "./apiError";

interface Waiter {
  start: () => void;
  cancel: (e: unknown) => void;
}

export class FairQueue {
  private running = 0;
  private waitingCount = 0;
  private closed = false;
  /** Lanes with waiters, in round-robin order (the next lane to serve is first). */
  private readonly lanes = new Map<string, Waiter[]>();

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  /** Runs `task` in `lane` once a slot is free. Rejects with 503 when the queue is full or closed. */
  async run<T>(lane: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.enter(lane, signal);
    try {
      return await task();
    } finally {
      this.running--;
      this.next();
    }
  }

  /** Refuses new work and fails everything still waiting (shutdown). Running tasks finish. */
  close(): void {
    this.closed = true;
    for (const waiters of this.lanes.values()) for (const w of waiters) w.cancel(shuttingDown());
    this.lanes.clear();
    this.waitingCount = 0;
  }

  private enter(lane: string, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.running < this.concurrency && this.waitingCount === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waitingCount >= this.maxWaiting) {
      return Promise.reject(
        new ApiError(503, `Server busy: ${this.waitingCount} requests already waiting. Retry later.`, "server_error", null, "server_busy", {
          "Retry-After": "1",
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const list = this.lanes.get(lane);
        const i = list ? list.indexOf(waiter) : -1;
        if (list && i >= 0) {
          list.splice(i, 1);
          this.waitingCount--;
          if (!list.length) this.lanes.delete(lane);
        }
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          this.running++;
          resolve();
        },
        cancel: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const list = this.lanes.get(lane);
      if (list) list.push(waiter);
      else this.lanes.set(lane, [waiter]);
      this.waitingCount++;
    });
  }

  /** Starts the first waiter of the next lane, then moves that lane to the back. */
  private next(): void {
    while (this.running < this.concurrency && this.waitingCount > 0) {
      const [lane, list] = this.lanes.entries().next().value as [string, Waiter[]];
      const w = list.shift()!;
      this.waitingCount--;
      this.lanes.delete(lane);
      if (list.length) this.lanes.set(lane, list); // re-insert at the back: round robin
      w.start();
    }
  }
}

function shuttingDown(): ApiError {
  return new ApiError(503, "Server is shutting down.", "server_error", null, "shutting_down");
}
