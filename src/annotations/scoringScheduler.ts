/**
 * Decides when PRM scoring runs for open trace documents and keeps stale work from landing. No
 * `vscode` import: the adapter calls `notify` from document events and renders `onResult`.
 *
 * - Triggers (StepLensConfig.run.trigger): "open-save" scores on open, save and demand; "type" also
 *   after edits, debounced by run.debounceMs; "demand" only on demand (opening and saving still show a
 *   cached result when there is one, without running a model).
 * - One run per document at a time. A newer version cancels the run in flight (AbortController) and
 *   waits as the document's single pending request: requests coalesce, the newest wins. At most
 *   `maxConcurrent` documents score at once; the rest wait in arrival order.
 * - A result lands (`onResult`) only if its version is still the newest the scheduler has seen for
 *   that document and the document is still open. Results are cached (by content hash) even when
 *   stale, so undoing an edit finds them.
 * - The result cache is checked first; a forced request (the re-score command) skips it.
 * - The engine gets `cacheKey` = the document key on every run, so after an edit its prefix reuse
 *   evaluates only the tokens from the first changed step on.
 * - `notify` never blocks: parsing the trace (the `trace` thunk), the cache and the engine all run
 *   later, asynchronously. `queued` (running + waiting) feeds the status bar.
 */
import type { RunTrigger } from "../config";
import type { Trace } from "../core/trace";
import type { Progress } from "../core/progress";
import type { Engine, ScoreResult } from "../engines/engine";
import { type ResultCache, scoreCacheKey } from "./resultCache";

export type ScoringEvent = "open" | "save" | "edit" | "demand";

export interface ScoringDocument {
  /** Identifies the document (its URI); also the engine's prefix-reuse cacheKey. */
  key: string;
  /** Increases with every edit (VS Code's `document.version`). */
  version: number;
  /** The document's trace at this version, computed when the run starts (undefined: not a trace now). */
  trace: () => Trace | undefined;
}

export interface ScoringSettings {
  trigger: RunTrigger;
  debounceMs: number;
  /**
   * What besides the trace decides a result, for the cache key: the model (resolved path or URI),
   * the adapter, and settings that change scores. Null: results are not cached.
   */
  cacheIdentity: { model: string; adapter: string; settings?: Record<string, unknown> } | null;
}

export interface ScoringOutcome {
  key: string;
  version: number;
  trace: Trace;
  result: ScoreResult;
  fromCache: boolean;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ScoringSchedulerOptions {
  /** The engine, or undefined when none is usable (not configured, untrusted workspace): only the cache is read. */
  engine: () => Engine | undefined;
  settings: () => ScoringSettings;
  cache?: ResultCache<ScoreResult>;
  onResult: (outcome: ScoringOutcome) => void;
  /** A run failed (not cancellation: cancelled runs are silent). */
  onError?: (key: string, version: number, error: unknown) => void;
  /** Running + waiting changed. */
  onQueueChange?: (queued: number) => void;
  onProgress?: (key: string, progress: Progress) => void;
  /** Documents scored at the same time (default 2). */
  maxConcurrent?: number;
  /** Injected timers (tests use fake ones). */
  timers?: Timers;
}

interface Request {
  doc: ScoringDocument;
  /** Skip the cache (re-score). */
  force: boolean;
  /** Only look in the cache, never run the engine. */
  cacheOnly: boolean;
}

interface DocState {
  /** Newest version seen for the document (from any event, edits included). */
  latest: number;
  pending: Request | null;
  running: { version: number; force: boolean; cacheOnly: boolean; controller: AbortController } | null;
  timer: unknown;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ScoringScheduler {
  private readonly docs = new Map<string, DocState>();
  /** Documents with a pending request waiting for a free slot, in arrival order. */
  private readonly waiting: string[] = [];
  private active = 0;
  private lastQueued = 0;
  private idleWaiters: (() => void)[] = [];
  private disposed = false;
  private readonly timers: Timers;
  private readonly maxConcurrent: number;

  constructor(private readonly options: ScoringSchedulerOptions) {
    this.timers = options.timers ?? defaultTimers;
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 2);
  }

  /** Running + waiting scoring requests (debounce timers not counted). */
  get queued(): number {
    let n = 0;
    for (const s of this.docs.values()) n += (s.running ? 1 : 0) + (s.pending ? 1 : 0);
    return n;
  }

  /**
   * A document event. `force` (for "demand") re-scores even when the cache has the result or the same
   * version is already being scored.
   */
  notify(event: ScoringEvent, doc: ScoringDocument, options: { force?: boolean } = {}): void {
    if (this.disposed) return;
    const state = this.state(doc.key);
    if (doc.version < state.latest) return; // an out-of-order event for an older version
    state.latest = doc.version;
    const { trigger, debounceMs } = this.options.settings();
    const force = options.force === true;

    if (event === "edit") {
      this.cancelStale(state);
      if (trigger !== "type") return;
      if (state.timer !== undefined) this.timers.clearTimeout(state.timer);
      state.timer = this.timers.setTimeout(() => {
        state.timer = undefined;
        this.request(state, { doc, force: false, cacheOnly: false });
      }, debounceMs);
      this.changed();
      return;
    }
    if (state.timer !== undefined) {
      this.timers.clearTimeout(state.timer);
      state.timer = undefined;
    }
    const cacheOnly = trigger === "demand" && event !== "demand";
    this.request(state, { doc, force, cacheOnly });
  }

  /** Cancels the document's work (timer, pending request, run in flight). */
  cancel(key: string): void {
    const state = this.docs.get(key);
    if (!state) return;
    if (state.timer !== undefined) this.timers.clearTimeout(state.timer);
    state.timer = undefined;
    state.pending = null;
    state.running?.controller.abort();
    this.changed();
  }

  /** The document closed: cancel its work and forget it (nothing for it lands any more). */
  close(key: string): void {
    this.cancel(key);
    this.docs.delete(key);
    this.changed();
  }

  /** Resolves when nothing is running, waiting or debouncing (for tests and the CLI). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  dispose(): void {
    this.disposed = true;
    for (const key of [...this.docs.keys()]) this.close(key);
  }

  private state(key: string): DocState {
    let s = this.docs.get(key);
    if (!s) this.docs.set(key, (s = { latest: -Infinity, pending: null, running: null, timer: undefined }));
    return s;
  }

  private cancelStale(state: DocState): void {
    if (state.running && state.running.version < state.latest) state.running.controller.abort();
    if (state.pending && state.pending.doc.version < state.latest) state.pending = null;
  }

  private request(state: DocState, req: Request): void {
    this.cancelStale(state);
    const r = state.running;
    // Already scoring this very version (and not asked to force): nothing to add.
    if (r && !r.controller.signal.aborted && r.version === req.doc.version && !req.force && (r.cacheOnly === req.cacheOnly || !r.cacheOnly)) {
      this.changed();
      return;
    }
    const p = state.pending;
    if (p && p.doc.version === req.doc.version) {
      // Coalesce: one pending request, with the strongest wishes of both.
      p.force ||= req.force;
      p.cacheOnly &&= req.cacheOnly;
    } else {
      state.pending = req;
      if (!this.waiting.includes(req.doc.key)) this.waiting.push(req.doc.key);
    }
    this.changed();
    this.pump();
  }

  /** Takes the first waiting document that can start now (a pending request, nothing running) out of the queue. */
  private takeReady(): { state: DocState; req: Request } | null {
    for (const [i, key] of this.waiting.entries()) {
      const state = this.docs.get(key);
      if (state === undefined || state.pending === null || state.running !== null) continue;
      this.waiting.splice(i, 1);
      return { state, req: state.pending };
    }
    return null;
  }

  private pump(): void {
    while (this.active < this.maxConcurrent) {
      const next = this.takeReady();
      if (!next) break;
      next.state.pending = null;
      this.start(next.state, next.req);
    }
    // Drop keys that no longer wait for anything (from the end, so the indices still to visit stay put).
    for (const [i, key] of [...this.waiting.entries()].reverse()) {
      const s = this.docs.get(key);
      if (!s || !s.pending) this.waiting.splice(i, 1);
    }
    this.changed();
  }

  private start(state: DocState, req: Request): void {
    const controller = new AbortController();
    state.running = { version: req.doc.version, force: req.force, cacheOnly: req.cacheOnly, controller };
    this.active++;
    void this.run(req, controller.signal).finally(() => {
      this.active--;
      if (state.running?.controller === controller) state.running = null;
      if (state.pending && this.docs.get(req.doc.key) === state && !this.waiting.includes(req.doc.key)) this.waiting.push(req.doc.key);
      this.pump();
    });
  }

  private async run(req: Request, signal: AbortSignal): Promise<void> {
    const { key, version } = req.doc;
    try {
      await Promise.resolve(); // never do the work inside notify()
      if (signal.aborted) return;
      const trace = req.doc.trace();
      if (!trace || trace.steps.length === 0) return;
      const steps = trace.steps.map((s) => s.text);
      const identity = this.options.settings().cacheIdentity;
      const cache = identity ? this.options.cache : undefined;
      const cacheKey = identity ? scoreCacheKey({ problem: trace.problem, steps, ...identity }) : null;

      if (cache && cacheKey && !req.force) {
        const cached = await cache.get(cacheKey).catch(() => undefined);
        if (signal.aborted) return;
        if (cached && cached.steps.length === steps.length) {
          this.land({ key, version, trace, result: cached, fromCache: true });
          return;
        }
      }
      if (req.cacheOnly) return;
      const engine = this.options.engine();
      if (!engine) return;
      const result = await engine.scoreSteps(
        { problem: trace.problem, steps, cacheKey: key },
        { signal, onProgress: this.options.onProgress ? (p) => this.options.onProgress!(key, p) : undefined },
      );
      if (signal.aborted) return;
      if (cache && cacheKey) await cache.put(cacheKey, result).catch(() => undefined); // cached even if stale: an undo finds it
      this.land({ key, version, trace, result, fromCache: false });
    } catch (e) {
      if (signal.aborted) return; // cancelled: silent, whatever the engine threw
      this.options.onError?.(key, version, e);
    }
  }

  /** Delivers an outcome if it is still current. */
  private land(outcome: ScoringOutcome): void {
    const state = this.docs.get(outcome.key);
    if (!state || this.disposed || outcome.version !== state.latest) return;
    this.options.onResult(outcome);
  }

  private isIdle(): boolean {
    if (this.active > 0) return false;
    for (const s of this.docs.values()) if (s.pending || s.running || s.timer !== undefined) return false;
    return true;
  }

  private changed(): void {
    const q = this.queued;
    if (q !== this.lastQueued) {
      this.lastQueued = q;
      this.options.onQueueChange?.(q);
    }
    if (this.idleWaiters.length && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
