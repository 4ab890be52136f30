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
 * a critic `fakeEngine({ generations: (req) => [...] })`; `engine.count("scoreSteps")` counts calls.
 */
import type {
  Engine,
  EngineInfo,
  Generation,
  GenerateRequest,
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
  /** All texts of one generate call at once (wins over solution), returned as they are. */
  generations?: (req: GenerateRequest) => string[];
  /** Throws (once per listed problem text) to simulate a failing request. */
  failOn?: (problem: string) => boolean;
}

export interface FakeCall {
  kind: "generate" | "rollouts" | "scoreSteps" | "countTokens" | "tokenProbabilities";
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

export interface FakeEngine extends Engine {
  calls: FakeCall[];
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
  const state = { generated: 0, scored: 0, disposed: 0 };
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
    state.generated += words.length;
    return { text: t, finishReason, tokens: words.length };
  };
  const engine: FakeEngine = {
    calls,
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
      return {
        kind: "local",
        device: "cpu",
        models: { generator: "fake-generator", prm: "fake-prm", verifier: "fake-verifier", prover: "fake-prover" },
        queued: 0,
      };
    },
    async countTokens(text: string) {
      calls.push({ kind: "countTokens", problem: "", steps: [], n: 0 });
      return countWords(text);
    },
    async scoreSteps(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
      if (opts?.signal?.aborted) throw new CancelledError();
      calls.push({ kind: "scoreSteps", problem: req.problem, steps: [...req.steps], n: 1 });
      if (script.failOn?.(req.problem)) throw new Error(`fake failure on ${req.problem}`);
      const score = script.stepScore ?? (() => 0.5);
      const scores = script.stepScores?.(req, engine.count("scoreSteps")) ?? req.steps.map((s, i) => score(s, req.steps.slice(0, i)));
      const steps = scores.map((value, i) => ({ index: i, score: value, margin: 0 }));
      const tokens = countWords(req.problem) + req.steps.reduce((a, s) => a + countWords(s), 0);
      state.scored += tokens;
      return { steps, model: "fake-prm", adapter: "fake", evaluatedTokens: tokens, traceTokens: tokens, seconds: 0 };
    },
    async generate(req: GenerateRequest, _opts?: RunOptions): Promise<Generation[]> {
      const problem = userText(req.prompt);
      calls.push({ kind: "generate", problem, steps: [], n: req.n ?? 1, seed: req.seed });
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      if (script.generations) return script.generations(req).map((text) => ({ text, finishReason: "stop" as const, tokens: countWords(text) }));
      const solution = script.solution ?? ((i: number) => `Step 1: think.\n\nStep 2: so \\boxed{${i}}.`);
      return Array.from({ length: req.n ?? 1 }, (_, i) => gen(solution((req.seed ?? 0) + i, req), req.maxTokens, req.stop));
    },
    async rollouts(req: RolloutRequest): Promise<Generation[]> {
      const problem = userText(req.prefix);
      const steps = assistantSteps(req.prefix);
      calls.push({ kind: "rollouts", problem, steps, n: req.n ?? 1, seed: req.seed });
      if (script.failOn?.(problem)) throw new Error(`fake failure on ${problem}`);
      const step = script.step ?? ((s: string[], i: number) => (s.length >= 2 ? `so \\boxed{${i % 3}}` : `step ${s.length + 1} variant ${i}`));
      return Array.from({ length: req.n ?? 1 }, (_, i) => gen(step(steps, (req.seed ?? 0) + i, req), req.maxTokens, req.stop));
    },
    async tokenProbabilities(req: TokenProbabilityRequest): Promise<TokenProbabilities> {
      calls.push({ kind: "tokenProbabilities", problem: userText(req.prompt), steps: [], n: 1 });
      const p = 1 / Math.max(1, req.candidates.length);
      return { logprobs: Object.fromEntries(req.candidates.map((c) => [c, Math.log(p)])), normalized: Object.fromEntries(req.candidates.map((c) => [c, p])) };
    },
    async dispose() {
      state.disposed++;
    },
  };
  return engine;
}
