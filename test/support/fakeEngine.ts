/**
 * A deterministic fake Engine for pipeline bookkeeping tests (search, …): every output is a function
 * of the request, every call is recorded, and tokens are whitespace-separated words, so expected
 * token counts can be computed by hand. Not a test file itself.
 *
 *   const engine = fakeEngine({
 *     solution: (i) => `Step 1: … \\boxed{${i % 2}}`,        // generate: sample i (seed + i)
 *     step: (steps, i) => steps.length < 2 ? `s${i}` : "\\boxed{1}", // rollouts: sample i after `steps`
 *     stepScore: (step) => Number(/q=([\d.]+)/.exec(step)?.[1] ?? 0.5),
 *   });
 *
 * The one scripted engine of the unit tests: a PRM that knows the ProcessBench labels is
 * `fakeEngine({ stepScores: (req) => … labelOf(req.problem, req.steps) … })` (test/support/processBenchLabels.ts),
 * a critic `fakeEngine({ generations: (req) => [...] })`; `engine.count("scoreSteps")` counts calls,
 * `engine.requests.generate` holds the requests as they came. A prover for PAV progress:
 * `fakeEngine({ boundaryContinuations: (req) => rows })` (the engine then has prefixRollouts; without
 * it, pipelines fall back to rollouts). `hold` keeps a call waiting until the test lets it go.
 */
import type {
  Engine,
  EngineInfo,
  Generation,
  GenerateRequest,
  PrefixRolloutRequest,
  PrefixRollouts,
  RolloutRequest,
  ScoreRequest,
  ScoreResult,
  TokenProbabilities,
  TokenProbabilityRequest,
  ChatMessage,
} from "../../src/engines/engine";
import type { RunOptions } from "../../src/core/progress";
import { CancelledError } from "../../src/core/errors";

export interface FakeEngineScript {
  /** Full solution of generate sample `seed + i`. */
  solution?: (sample: number, req: GenerateRequest) => string;
  /** Continuation of rollout sample `seed + i` after the solution so far (its paragraphs). */
  step?: (steps: string[], sample: number, req: RolloutRequest) => string;
  /** PRM score of one step (given the steps before it). */
  stepScore?: (step: string, before: string[]) => number;
  /** PRM scores of all steps of one request at once (wins over stepScore); `call` counts scoreSteps calls from 1. May throw. */
  stepScores?: (req: ScoreRequest, call: number) => number[];
  /** All texts of one generate call at once (wins over solution), returned as they are; `call` counts generate calls from 1. */
  generations?: (req: GenerateRequest, call: number) => string[];
  /** All texts of one rollouts call at once (wins over step), returned as they are; `call` counts rollouts calls from 1. */
  continuations?: (req: RolloutRequest, call: number) => string[];
  /**
   * Gives the engine prefixRollouts: row k holds the rollout texts after boundary k (rows before
   * `firstBoundary` come back empty). Without it the engine has no prefixRollouts.
   */
  boundaryContinuations?: (req: PrefixRolloutRequest, call: number) => string[][];
  /** prefixRollouts: the prefix tokens evaluated, also reported as the trace's tokens (default: the words of head and segments, evaluated once). */
  prefixTokens?: (req: PrefixRolloutRequest) => number;
  /** Tokens of one generated text (generate, rollouts, prefixRollouts; default: its words). */
  tokens?: (text: string) => number;
  /** Throws (once per listed problem text) to simulate a failing request. */
  failOn?: (problem: string) => boolean;
  /**
   * Runs before a call is answered (after it is recorded); a returned promise holds the call until
   * it settles, and its rejection is the call's error. `callGate()` holds every call for the test to
   * release one by one.
   */
  hold?: (call: HeldCallInfo) => Promise<void> | void;
  /**
   * scoreSteps emulates prefix reuse per cacheKey, as the local engine does: only the steps from the
   * first one that differs from the last finished run with that key are evaluated (their tokens,
   * plus the problem's on a key's first run), counted in FakeCall.evaluatedSteps and evaluatedTokens.
   */
  prefixReuse?: boolean;
  /** What info() says, over the defaults (a local CPU engine with a fake model per role); a function is asked at every info() call. */
  info?: Partial<EngineInfo> | (() => Partial<EngineInfo>);
}

export interface FakeCall {
  kind: "generate" | "rollouts" | "prefixRollouts" | "scoreSteps" | "countTokens" | "tokenProbabilities";
  /** The problem (first user message) or the scored problem. */
  problem: string;
  /** rollouts: the paragraphs of the assistant prefix; scoreSteps: the steps. */
  steps: string[];
  n: number;
  seed?: number;
  /** scoreSteps: the request's cacheKey. */
  cacheKey?: string;
  /** scoreSteps: the steps evaluated (all of them, or with prefixReuse those from the first change on). */
  evaluatedSteps?: number;
}

/** A call as `hold` sees it: what was recorded, its number among the calls of its kind (from 1), its signal. */
export type HeldCallInfo = FakeCall & { number: number; signal?: AbortSignal };

export const countWords = (text: string): number => (text.trim() ? text.trim().split(/\s+/).length : 0);

function userText(prompt: string | ChatMessage[]): string {
  if (typeof prompt === "string") return prompt;
  return prompt.find((m) => m.role === "user")?.content ?? "";
}

function assistantSteps(prompt: string | ChatMessage[]): string[] {
  if (typeof prompt === "string") return [];
  const last = prompt.at(-1);
  if (!last || last.role !== "assistant") return [];
  return last.content
    .split(/\n\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The requests each method was given, unchanged, in call order. */
export interface FakeRequests {
  generate: GenerateRequest[];
  rollouts: RolloutRequest[];
  prefixRollouts: PrefixRolloutRequest[];
  scoreSteps: ScoreRequest[];
  tokenProbabilities: TokenProbabilityRequest[];
}

export interface FakeEngine extends Engine {
  calls: FakeCall[];
  requests: FakeRequests;
  /** Tokens generated so far by generate + rollouts. */
  generated: number;
  /** Tokens reported as evaluated by scoreSteps. */
  scored: number;
  /** How many calls of one kind were made. */
  count(kind: FakeCall["kind"]): number;
  /** How many times dispose() was called. */
  disposed: number;
  /** The most scoreSteps calls in flight at once, overall and with the same cacheKey. */
  maxInFlight: number;
  maxInFlightPerKey: number;
}

export function fakeEngine(script: FakeEngineScript = {}): FakeEngine {
  const calls: FakeCall[] = [];
  const requests: FakeRequests = { generate: [], rollouts: [], prefixRollouts: [], scoreSteps: [], tokenProbabilities: [] };
  const state = { generated: 0, scored: 0, disposed: 0, inFlight: 0, maxInFlight: 0, maxInFlightPerKey: 0 };
  const inFlightPerKey = new Map<string, number>();
  /** The steps of the last finished scoreSteps run per cacheKey (prefixReuse). */
  const lastSteps = new Map<string, { problem: string; steps: string[] }>();
  /** Counts `call` in flight while `work` runs. */
  const inFlight = async <T>(call: FakeCall, work: () => Promise<T>): Promise<T> => {
    state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight);
    const key = call.kind === "scoreSteps" ? call.cacheKey : undefined;
    if (key !== undefined) {
      inFlightPerKey.set(key, (inFlightPerKey.get(key) ?? 0) + 1);
      state.maxInFlightPerKey = Math.max(state.maxInFlightPerKey, inFlightPerKey.get(key)!);
    }
    try {
      return await work();
    } finally {
      state.inFlight--;
      if (key !== undefined) inFlightPerKey.set(key, inFlightPerKey.get(key)! - 1);
    }
  };
  const tokensOf = script.tokens ?? countWords;
  /** A text returned as it is (scripted whole), its tokens counted. */
  const asIs = (text: string): Generation => {
    const tokens = tokensOf(text);
    state.generated += tokens;
    return { text, finishReason: "stop", tokens };
  };
  /** Records a call; returns it with its number among the calls of its kind (from 1) and its signal. */
  const record = (call: FakeCall, signal?: AbortSignal): HeldCallInfo => {
    calls.push(call);
    return { ...call, number: calls.filter((c) => c.kind === call.kind).length, signal };
  };
  const gen = (text: string, maxTokens?: number, stop?: string[]): Generation => {
    let t = text;
    for (const s of stop ?? []) {
      const at = t.indexOf(s);
      if (at >= 0) t = t.slice(0, at);
    }
    let words = t.trim() ? t.trim().split(/\s+/) : [];
    let finishReason: Generation["finishReason"] = "stop";
    if (maxTokens !== undefined && words.length > maxTokens) {
      words = words.slice(0, maxTokens);
      finishReason = "length";
      t = words.join(" ");
    }
    if (script.tokens) return { ...asIs(t), finishReason };
    state.generated += words.length;
    return { text: t, finishReason, tokens: words.length };
  };
  const engine: FakeEngine = {
    calls,
    requests,
    get generated() {
      return state.generated;
    },
    get scored() {
      return state.scored;
    },
    get disposed() {
      return state.disposed;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    get maxInFlightPerKey() {
      return state.maxInFlightPerKey;
    },
    count(kind: FakeCall["kind"]) {
      return calls.filter((c) => c.kind === kind).length;
    },
    info(): EngineInfo {
      const over = typeof script.info === "function" ? script.info() : script.info;
      return {
        kind: "local",
        device: "cpu",
        models: { generator: "fake-generator", prm: "fake-prm", verifier: "fake-verifier", prover: "fake-prover" },
        queued: 0,
        ...over,
      };
    },
    async countTokens(text: string) {
      calls.push({ kind: "countTokens", problem: "", steps: [], n: 0 });
      return countWords(text);
    },
    async scoreSteps(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
      if (opts?.signal?.aborted) throw new CancelledError();
      requests.scoreSteps.push(req);
      const key = req.cacheKey;
      const previous = script.prefixReuse && key !== undefined ? lastSteps.get(key) : undefined;
      let first = 0;
      if (previous?.problem === req.problem) while (first < req.steps.length && previous.steps[first] === req.steps[first]) first++;
      const fakeCall: FakeCall = {
        kind: "scoreSteps",
        problem: req.problem,
        steps: [...req.steps],
        n: 1,
        cacheKey: key,
        evaluatedSteps: req.steps.length - first,
      };
      const held = record(fakeCall, opts?.signal);
      const call = held.number;
      return inFlight(fakeCall, async () => {
        if (script.hold) await script.hold(held);
        if (script.failOn?.(req.problem)) throw new Error(`fake failure on ${req.problem}`);
        const score = script.stepScore ?? (() => 0.5);
        const scores = script.stepScores?.(req, call) ?? req.steps.map((s, i) => score(s, req.steps.slice(0, i)));
        const steps = scores.map((value, i) => ({ index: i, score: value, margin: 0 }));
        const stepTokens = (from: number) => req.steps.slice(from).reduce((a, s) => a + countWords(s), 0);
        const traceTokens = countWords(req.problem) + stepTokens(0);
        const evaluatedTokens = previous?.problem === req.problem ? stepTokens(first) : traceTokens;
        if (script.prefixReuse && key !== undefined) lastSteps.set(key, { problem: req.problem, steps: [...req.steps] });
        state.scored += evaluatedTokens;
        return { steps, model: "fake-prm", adapter: "fake", evaluatedTokens, traceTokens, seconds: 0 };
      });
    },
    async generate(req: GenerateRequest, opts?: RunOptions): Promise<Generation[]> {
      if (opts?.signal?.aborted) throw new CancelledError();
      const problem = userText(req.prompt);
      requests.generate.push(req);
      const held = record({ kind: "generate", problem, steps: [], n: req.n ?? 1, seed: req.seed }, opts?.signal);
      const call = held.number;
      if (script.hold) await script.hold(held);
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      if (script.generations) return script.generations(req, call).map(asIs);
      const solution = script.solution ?? ((i: number) => `Step 1: think.\n\nStep 2: so \\boxed{${i}}.`);
      return Array.from({ length: req.n ?? 1 }, (_, i) => gen(solution((req.seed ?? 0) + i, req), req.maxTokens, req.stop));
    },
    async rollouts(req: RolloutRequest, opts?: RunOptions): Promise<Generation[]> {
      const problem = userText(req.prefix);
      const steps = assistantSteps(req.prefix);
      requests.rollouts.push(req);
      const held = record({ kind: "rollouts", problem, steps, n: req.n ?? 1, seed: req.seed }, opts?.signal);
      const call = held.number;
      if (script.hold) await script.hold(held);
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      if (script.continuations) return script.continuations(req, call).map(asIs);
      const step = script.step ?? ((s: string[], i: number) => (s.length >= 2 ? `so \\boxed{${i % 3}}` : `step ${s.length + 1} variant ${i}`));
      return Array.from({ length: req.n ?? 1 }, (_, i) => gen(step(steps, (req.seed ?? 0) + i, req), req.maxTokens, req.stop));
    },
    async tokenProbabilities(req: TokenProbabilityRequest, opts?: RunOptions): Promise<TokenProbabilities> {
      requests.tokenProbabilities.push(req);
      const held = record({ kind: "tokenProbabilities", problem: userText(req.prompt), steps: [], n: 1 }, opts?.signal);
      if (script.hold) await script.hold(held);
      const p = 1 / Math.max(1, req.candidates.length);
      return { logprobs: Object.fromEntries(req.candidates.map((c) => [c, Math.log(p)])), normalized: Object.fromEntries(req.candidates.map((c) => [c, p])) };
    },
    async dispose() {
      state.disposed++;
    },
  };
  const boundaries = script.boundaryContinuations;
  if (boundaries) {
    engine.prefixRollouts = async (req: PrefixRolloutRequest, opts?: RunOptions): Promise<PrefixRollouts> => {
      const problem = userText(req.head);
      requests.prefixRollouts.push(req);
      const held = record({ kind: "prefixRollouts", problem, steps: [...req.segments], n: req.n ?? 1, seed: req.seed }, opts?.signal);
      const call = held.number;
      if (script.hold) await script.hold(held);
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      const first = req.firstBoundary ?? 0;
      const before = state.generated;
      const rollouts = boundaries(req, call).map((row, k) => (k < first ? [] : row.map(asIs)));
      const headText = typeof req.head === "string" ? req.head : req.head.map((m) => m.content).join(" ");
      const prefix = script.prefixTokens?.(req) ?? countWords(headText) + req.segments.reduce((a, s) => a + countWords(s), 0);
      return { rollouts, prefixTokensEvaluated: prefix, traceTokens: prefix, rolloutTokens: state.generated - before };
    };
  }
  return engine;
}

/** A call held by callGate(): the recorded call, its signal, and the test's hands on when it ends. */
export interface HeldCall extends HeldCallInfo {
  /** Whether it was released, failed or cancelled. */
  settled: boolean;
  /** Lets the call go on (the engine then answers as scripted). */
  release(): void;
  /** Ends the call with `error`. */
  fail(error: unknown): void;
}

export interface CallGate {
  /** Every held call, in the order they came. */
  calls: HeldCall[];
  /** When true, an aborted signal does not end a held call (an engine that ignores cancellation). */
  ignoreAbort: boolean;
  /** The `hold` of the script: holds calls of `kinds` (default: scoreSteps) until the test releases them. */
  hold: (call: HeldCallInfo) => Promise<void> | void;
}

/**
 * Holds calls until the test releases them one by one (`gate.calls[0].release()`); a held call whose
 * signal aborts ends with CancelledError (unless `ignoreAbort`).
 *
 *   const gate = callGate();
 *   const engine = fakeEngine({ hold: gate.hold });
 */
export function callGate(kinds: FakeCall["kind"][] = ["scoreSteps"]): CallGate {
  const gate: CallGate = {
    calls: [],
    ignoreAbort: false,
    hold(info) {
      if (!kinds.includes(info.kind)) return;
      return new Promise<void>((resolve, reject) => {
        const held: HeldCall = {
          ...info,
          settled: false,
          release() {
            if (held.settled) return;
            held.settled = true;
            resolve();
          },
          fail(error) {
            if (held.settled) return;
            held.settled = true;
            reject(error);
          },
        };
        info.signal?.addEventListener("abort", () => {
          if (!gate.ignoreAbort) held.fail(new CancelledError());
        });
        gate.calls.push(held);
      });
    },
  };
  return gate;
}
