/**
 * One context per loaded model with K sequences, shared fairly: requests wait in FIFO order and
 * each is granted one or more free sequences. Work running on several sequences at once is batched
 * together by node-llama-cpp (one decode for all of them), which is where parallel speed-ups come
 * from. A request may say which free sequence it prefers (e.g. the one already holding the longest
 * prefix of its tokens), so prefix reuse survives sharing. No `vscode` import here.
 */
import type { LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { CancelledError } from "../../core/errors";

export interface SequencePoolOptions {
  /** Tokens per sequence. */
  contextSize: number;
  sequences: number;
  /** Flash attention; default off on the CPU (its f16 path makes one-pass and per-prefix logits differ by ~1e-2), auto on GPUs. */
  flashAttention?: boolean | "auto";
  batchSize?: number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Up to this many sequences (default 1); at least one is granted. */
  count?: number;
  /** Higher is better: which free sequences to hand out first. Ties go to the least recently used. */
  prefer?: (sequence: LlamaContextSequence) => number;
}

/** The sequences of one lease: at least one. */
export type GrantedSequences = readonly [LlamaContextSequence, ...LlamaContextSequence[]];

export interface SequenceLease {
  readonly sequences: GrantedSequences;
  /** Returns the sequences to the pool (their KV state is kept for prefix reuse). Idempotent. */
  release(): void;
}

interface Waiter {
  options: AcquireOptions;
  resolve(lease: SequenceLease): void;
  reject(e: unknown): void;
}

export class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiters: Waiter[] = [];
  private readonly lastUsed = new Map<LlamaContextSequence, number>();
  private tick = 0;
  private busyLeases = 0;
  private disposed = false;

  private constructor(
    readonly context: LlamaContext,
    readonly sequences: readonly LlamaContextSequence[],
  ) {
    this.free = [...sequences];
  }

  static async create(model: LlamaModel, options: SequencePoolOptions): Promise<SequencePool> {
    const onCpu = model.llama.gpu === false;
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: options.sequences,
      flashAttention: options.flashAttention ?? (onCpu ? false : "auto"),
      batchSize: options.batchSize,
    });
    const sequences = Array.from({ length: options.sequences }, () => context.getSequence());
    return new SequencePool(context, sequences);
  }

  get size(): number {
    return this.sequences.length;
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  /** Requests waiting or running. */
  get queued(): number {
    return this.waiters.length + this.busyLeases;
  }

  acquire(options: AcquireOptions = {}): Promise<SequenceLease> {
    if (this.disposed) return Promise.reject(new Error("sequence pool is disposed"));
    if (options.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<SequenceLease>((resolve, reject) => {
      const waiter: Waiter = { options, resolve, reject };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new CancelledError());
        }
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      waiter.resolve = (lease) => {
        options.signal?.removeEventListener("abort", onAbort);
        resolve(lease);
      };
      this.waiters.push(waiter);
      this.grant();
    });
  }

  /** Runs `fn` on granted sequences and releases them afterwards. */
  async use<T>(fn: (sequences: GrantedSequences) => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const lease = await this.acquire(options);
    try {
      return await fn(lease.sequences);
    } finally {
      lease.release();
    }
  }

  private grant(): void {
    while (this.free.length) {
      const waiter = this.waiters.shift();
      if (waiter === undefined) break;
      const want = Math.max(1, Math.min(waiter.options.count ?? 1, this.free.length));
      const prefer = waiter.options.prefer;
      const scored = this.free.map((s) => ({ s, score: prefer ? prefer(s) : 0, used: this.lastUsed.get(s) ?? -1 }));
      scored.sort((a, b) => b.score - a.score || a.used - b.used);
      const [firstGranted, ...moreGranted] = scored.slice(0, want).map((x) => x.s);
      // want >= 1 and free is not empty (the loop's condition), so one is always granted.
      if (firstGranted === undefined) throw new Error(`internal: the sequence pool granted none of ${this.free.length} free sequences`);
      const granted: GrantedSequences = [firstGranted, ...moreGranted];
      for (const s of granted) this.free.splice(this.free.indexOf(s), 1);
      this.busyLeases++;
      let released = false;
      waiter.resolve({
        sequences: granted,
        release: () => {
          if (released) return;
          released = true;
          this.busyLeases--;
          for (const s of granted) {
            this.lastUsed.set(s, ++this.tick);
            if (!this.disposed) this.free.push(s);
          }
          this.grant();
        },
      });
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.waiters.splice(0)) w.reject(new CancelledError("engine disposed"));
    await this.context.dispose();
  }
}
