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
  /** Runs before a call is answered (after it is recorded); a returned promise holds the call until it settles. `call` counts that kind's calls from 1. */
  hold?: (kind: FakeCall["kind"], call: number) => Promise<void> | void;
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
}

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
}

export function fakeEngine(script: FakeEngineScript = {}): FakeEngine {
  const calls: FakeCall[] = [];
  const requests: FakeRequests = { generate: [], rollouts: [], prefixRollouts: [], scoreSteps: [], tokenProbabilities: [] };
  const state = { generated: 0, scored: 0, disposed: 0 };
  const tokensOf = script.tokens ?? countWords;
  /** A text returned as it is (scripted whole), its tokens counted. */
  const asIs = (text: string): Generation => {
    const tokens = tokensOf(text);
    state.generated += tokens;
    return { text, finishReason: "stop", tokens };
  };
  /** Records a call; returns its number among the calls of its kind (from 1). */
  const record = (call: FakeCall): number => {
    calls.push(call);
    return calls.filter((c) => c.kind === call.kind).length;
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
      const call = record({ kind: "scoreSteps", problem: req.problem, steps: [...req.steps], n: 1 });
      if (script.hold) await script.hold("scoreSteps", call);
      if (script.failOn?.(req.problem)) throw new Error(`fake failure on ${req.problem}`);
      const score = script.stepScore ?? (() => 0.5);
      const scores = script.stepScores?.(req, call) ?? req.steps.map((s, i) => score(s, req.steps.slice(0, i)));
      const steps = scores.map((value, i) => ({ index: i, score: value, margin: 0 }));
      const tokens = countWords(req.problem) + req.steps.reduce((a, s) => a + countWords(s), 0);
      state.scored += tokens;
      return { steps, model: "fake-prm", adapter: "fake", evaluatedTokens: tokens, traceTokens: tokens, seconds: 0 };
    },
    async generate(req: GenerateRequest, opts?: RunOptions): Promise<Generation[]> {
      if (opts?.signal?.aborted) throw new CancelledError();
      const problem = userText(req.prompt);
      requests.generate.push(req);
      const call = record({ kind: "generate", problem, steps: [], n: req.n ?? 1, seed: req.seed });
      if (script.hold) await script.hold("generate", call);
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      if (script.generations) return script.generations(req, call).map(asIs);
      const solution = script.solution ?? ((i: number) => `Step 1: think.\n\nStep 2: so \\boxed{${i}}.`);
      return Array.from({ length: req.n ?? 1 }, (_, i) => gen(solution((req.seed ?? 0) + i, req), req.maxTokens, req.stop));
    },
    async rollouts(req: RolloutRequest): Promise<Generation[]> {
      const problem = userText(req.prefix);
      const steps = assistantSteps(req.prefix);
      requests.rollouts.push(req);
      const call = record({ kind: "rollouts", problem, steps, n: req.n ?? 1, seed: req.seed });
      if (script.hold) await script.hold("rollouts", call);
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      if (script.continuations) return script.continuations(req, call).map(asIs);
      const step = script.step ?? ((s: string[], i: number) => (s.length >= 2 ? `so \\boxed{${i % 3}}` : `step ${s.length + 1} variant ${i}`));
      return Array.from({ length: req.n ?? 1 }, (_, i) => gen(step(steps, (req.seed ?? 0) + i, req), req.maxTokens, req.stop));
    },
    async tokenProbabilities(req: TokenProbabilityRequest): Promise<TokenProbabilities> {
      requests.tokenProbabilities.push(req);
      const call = record({ kind: "tokenProbabilities", problem: userText(req.prompt), steps: [], n: 1 });
      if (script.hold) await script.hold("tokenProbabilities", call);
      const p = 1 / Math.max(1, req.candidates.length);
      return { logprobs: Object.fromEntries(req.candidates.map((c) => [c, Math.log(p)])), normalized: Object.fromEntries(req.candidates.map((c) => [c, p])) };
    },
    async dispose() {
      state.disposed++;
    },
  };
  const boundaries = script.boundaryContinuations;
  if (boundaries) {
    engine.prefixRollouts = async (req: PrefixRolloutRequest): Promise<PrefixRollouts> => {
      const problem = userText(req.head);
      requests.prefixRollouts.push(req);
      const call = record({ kind: "prefixRollouts", problem, steps: [...req.segments], n: req.n ?? 1, seed: req.seed });
      if (script.hold) await script.hold("prefixRollouts", call);
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
