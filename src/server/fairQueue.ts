/**
 * Requests queue fairly onto the engine: at most `concurrency` engine calls run at once (the
 * engine's sequences), and waiting calls are served round-robin across lanes (one lane per client),
 * so one client's burst does not starve another.
 *
 * Admission is per request, not per engine call: the calls that share one `signal` (the server
 * passes each HTTP request's own) belong to one request. A request is waiting while it has a call
 * waiting for a slot; past `maxWaiting` waiting requests a *new* request is refused (503 with
 * Retry-After) instead of the queue growing without bound. A request once admitted is never refused
 * part-way: a /get_reward batch of 1,024 items (the documented maximum) queues its 1,024 calls
 * under one admission, where counting calls refused it whenever `maxWaiting` < 1,024. Memory stays
 * bounded: at most `concurrency + maxWaiting` requests hold calls, each at most the per-request
 * item cap. Calls without a signal are each their own request. No `vscode` import here.
 */
import { CancelledError } from "../core/errors";
import { ApiError } from "./apiError";

interface Waiter {
  start: () => void;
  cancel: (e: unknown) => void;
  admission: Admission;
}

/** One request's calls: how many wait for a slot now. */
interface Admission {
  waiting: number;
}

export class FairQueue {
  private running = 0;
  private waitingCount = 0;
  private waitingRequestCount = 0;
  private closed = false;
  /** The admission of each request (keyed by its signal) whose calls have queued or run. */
  private readonly admissions = new WeakMap<AbortSignal, Admission>();
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

  /** Engine calls waiting for a slot. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Requests with at least one engine call waiting for a slot (what `maxWaiting` bounds). */
  get waitingRequests(): number {
    return this.waitingRequestCount;
  }

  /**
   * Runs `task` in `lane` once a slot is free. Calls sharing `signal` are one request (admitted
   * once). Rejects a new request with 503 when `maxWaiting` requests already wait, or when closed.
   */
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
    this.waitingRequestCount = 0;
  }

  private enter(lane: string, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (signal?.aborted) return Promise.reject(new CancelledError());
    let admission = signal ? this.admissions.get(signal) : undefined;
    if (this.running < this.concurrency && this.waitingCount === 0) {
      if (signal && !admission) this.admissions.set(signal, { waiting: 0 });
      this.running++;
      return Promise.resolve();
    }
    if (!admission) {
      if (this.waitingRequestCount >= this.maxWaiting) {
        return Promise.reject(
          new ApiError(
            503,
            `Server busy: ${this.waitingRequestCount} requests already waiting (--max-waiting ${this.maxWaiting}). Retry later.`,
            "server_error",
            null,
            "server_busy",
            { "Retry-After": "1" },
          ),
        );
      }
      admission = { waiting: 0 };
      if (signal) this.admissions.set(signal, admission);
    }
    const own = admission;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const list = this.lanes.get(lane);
        const i = list ? list.indexOf(waiter) : -1;
        if (list && i >= 0) {
          list.splice(i, 1);
          this.stopWaiting(own);
          if (!list.length) this.lanes.delete(lane);
        }
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        admission: own,
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
      if (own.waiting++ === 0) this.waitingRequestCount++;
    });
  }

  private stopWaiting(admission: Admission): void {
    this.waitingCount--;
    if (--admission.waiting === 0) this.waitingRequestCount--;
  }

  /** Starts the first waiter of the next lane, then moves that lane to the back. */
  private next(): void {
    while (this.running < this.concurrency && this.waitingCount > 0) {
      const [lane, list] = this.lanes.entries().next().value as [string, Waiter[]];
      const w = list.shift()!;
      this.stopWaiting(w.admission);
      this.lanes.delete(lane);
      if (list.length) this.lanes.set(lane, list); // re-insert at the back: round robin
      w.start();
    }
  }
}

function shuttingDown(): ApiError {
  return new ApiError(503, "Server is shutting down.", "server_error", null, "shutting_down");
}
