/**
 * Several engines serving one role (e.g. a vLLM endpoint per GPU node) behind the Engine interface.
 * Each request goes to the member with the fewest requests outstanding (ties: round robin). A
 * request that fails on a member is retried on another; a member that fails `maxFailures` times in
 * a row is taken out of rotation for a cool-down (doubling on each relapse) and then tried again
 * with one request. While every member is out, the one due back first takes the request. Errors
 * that belong to the request, not to the endpoint (a bad request, a body too large), and
 * cancellation are passed through at once. No `vscode` import.
 */
import { CancelledError, errorMessage, StepLensError } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type {
  Engine,
  EngineInfo,
  GenerateRequest,
  Generation,
  ModelRole,
  RolloutRequest,
  ScoreRequest,
  ScoreResult,
  TokenProbabilities,
  TokenProbabilityRequest,
} from "../engines/engine";

export interface PoolMember {
  /** Shown in messages (an endpoint URL, a model file). */
  name: string;
  engine: Engine;
}

export interface EnginePoolOptions {
  /** Consecutive failures that take a member out of rotation (default 2). */
  maxFailures?: number;
  /** First cool-down out of rotation in ms (default 30 s; doubles on each relapse, at most 10 min). */
  cooldownMs?: number;
  /** Members tried per request (default: every member once). */
  attempts?: number;
  /** Out of rotation / back in rotation messages. */
  onEvent?: (message: string) => void;
  now?: () => number;
}

export interface MemberStats {
  name: string;
  requests: number;
  failures: number;
  outstanding: number;
  inRotation: boolean;
  /** Times it was taken out of rotation. */
  removals: number;
}

interface Member extends PoolMember {
  outstanding: number;
  requests: number;
  failures: number;
  consecutive: number;
  removals: number;
  /** Out of rotation until this time (0: in rotation). */
  outUntil: number;
  cooldown: number;
}

/** Errors that would fail the same way on any endpoint: not the endpoint's fault. */
const REQUEST_ERRORS = new Set(["endpoint-bad-request", "endpoint-too-large", "context-too-long", "prompt-too-long"]);

export class EnginePool implements Engine {
  /** Never empty (the constructor checks), so members[0] is always there. */
  private readonly members: [Member, ...Member[]];
  private next = 0;
  private readonly maxFailures: number;
  private readonly cooldownMs: number;
  private readonly attempts: number;
  private readonly now: () => number;

  constructor(
    members: readonly PoolMember[],
    private readonly options: EnginePoolOptions = {},
  ) {
    const [head, ...rest] = members;
    if (head === undefined) throw new Error("EnginePool needs at least one engine");
    const member = (m: PoolMember): Member => ({ ...m, outstanding: 0, requests: 0, failures: 0, consecutive: 0, removals: 0, outUntil: 0, cooldown: 0 });
    this.members = [member(head), ...rest.map(member)];
    this.maxFailures = Math.max(1, options.maxFailures ?? 2);
    this.cooldownMs = Math.max(0, options.cooldownMs ?? 30_000);
    this.attempts = Math.max(1, options.attempts ?? members.length);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.members.length;
  }

  stats(): MemberStats[] {
    const t = this.now();
    return this.members.map((m) => ({
      name: m.name,
      requests: m.requests,
      failures: m.failures,
      outstanding: m.outstanding,
      inRotation: m.outUntil <= t,
      removals: m.removals,
    }));
  }

  /** The member for the next request: in rotation, fewest outstanding; else the one due back first. */
  private pick(exclude: ReadonlySet<Member>): Member | null {
    const t = this.now();
    const n = this.members.length;
    let best: Member | null = null;
    // The members in rotation order from `next` (0 <= next < n): next, next + 1, …, n - 1, 0, …, next - 1.
    const rotation = [...this.members.slice(this.next), ...this.members.slice(0, this.next)];
    for (const m of rotation) {
      if (exclude.has(m) || m.outUntil > t) continue;
      if (!best || m.outstanding < best.outstanding) best = m;
    }
    if (!best) {
      for (const m of this.members) if (!exclude.has(m) && (!best || m.outUntil < best.outUntil)) best = m;
      if (best && best.outUntil > t) {
        best.outUntil = t; // back on probation: one request decides
        this.options.onEvent?.(`${best.name}: every endpoint is out of rotation; trying this one again`);
      }
    }
    this.next = (this.next + 1) % n;
    return best;
  }

  private succeeded(m: Member): void {
    if (m.consecutive >= this.maxFailures)
      // "Rotation" means something only among several endpoints; one (a local model) simply answers again.
      this.options.onEvent?.(this.members.length > 1 ? `${m.name}: back in rotation` : `${m.name}: answering again after ${m.consecutive} failed requests`);
    m.consecutive = 0;
    m.cooldown = 0;
  }

  private failed(m: Member, e: unknown): void {
    m.failures++;
    m.consecutive++;
    if (this.members.length > 1 && m.consecutive >= this.maxFailures) {
      m.cooldown = m.cooldown ? Math.min(m.cooldown * 2, 600_000) : this.cooldownMs;
      m.outUntil = this.now() + m.cooldown;
      m.removals++;
      this.options.onEvent?.(`${m.name}: out of rotation for ${Math.round(m.cooldown / 1000)} s after ${m.consecutive} failures in a row (${errorMessage(e)})`);
    }
  }

  private async route<T>(run: (engine: Engine) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const tried = new Set<Member>();
    let last: unknown = null;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (signal?.aborted) throw new CancelledError();
      const m = this.pick(tried.size >= this.members.length ? new Set() : tried);
      if (!m) break;
      tried.add(m);
      m.outstanding++;
      m.requests++;
      try {
        const r = await run(m.engine);
        this.succeeded(m);
        return r;
      } catch (e) {
        if (e instanceof CancelledError || signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
        if (e instanceof StepLensError && REQUEST_ERRORS.has(e.details.code ?? "")) throw e;
        this.failed(m, e);
        last = e;
      } finally {
        m.outstanding--;
      }
    }
    if (last instanceof Error) throw last;
    throw new StepLensError("no engine could take the request", { code: "pool-exhausted" });
  }

  info(): EngineInfo {
    const first = this.members[0].engine.info();
    const sizes = this.members.map((m) => m.engine.info().contextSize);
    // The smallest member's context: a request may go to any of them.
    const contextSize = sizes.every((n) => n !== undefined) ? Math.min(...(sizes as number[])) : undefined;
    return { ...first, device: this.members.map((m) => m.name).join(", "), queued: this.members.reduce((a, m) => a + m.outstanding, 0), contextSize };
  }

  countTokens(text: string, role: ModelRole, opts?: RunOptions): Promise<number> {
    return this.route((e) => e.countTokens(text, role, opts), opts?.signal);
  }

  /** Only when every member can count prompt tokens (local engines): endpoints do not say. */
  get promptTokenCount(): Engine["promptTokenCount"] {
    if (!this.members.every((m) => m.engine.promptTokenCount)) return undefined;
    return (prompt, role, opts) => this.route((e) => e.promptTokenCount!(prompt, role, opts), opts?.signal);
  }

  scoreSteps(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
    return this.route((e) => e.scoreSteps(req, opts), opts?.signal);
  }

  generate(req: GenerateRequest, opts?: RunOptions): Promise<Generation[]> {
    return this.route((e) => e.generate(req, opts), opts?.signal);
  }

  tokenProbabilities(req: TokenProbabilityRequest, opts?: RunOptions): Promise<TokenProbabilities> {
    return this.route((e) => e.tokenProbabilities(req, opts), opts?.signal);
  }

  rollouts(req: RolloutRequest, opts?: RunOptions): Promise<Generation[]> {
    return this.route((e) => e.rollouts(req, opts), opts?.signal);
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => m.engine.dispose()));
  }
}
