/**
 * Best-of-N reranking: N full solutions from the generator role (one `generate` call with n = N:
 * the prompt is evaluated once and the samples run in parallel sequences, seed + i each), ranked by
 * the scorer's solution score; the best wins, ties to the first. No `vscode` import here.
 */
import { throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine } from "../engines/engine";
import { fullCandidate, generatorPrompt, promptText, type Candidate } from "./candidate";
import type { SearchScorer } from "./scorers";
import { bestIndex, type SearchOutcome } from "./searchOutcome";

export interface GeneratorSettings {
  temperature: number;
  topP?: number;
  seed: number;
  /** Tokens per full solution (best-of-N) or per step (beam search). */
  maxTokens: number;
}

export async function bestOfN(
  engine: Engine,
  scorer: SearchScorer,
  problem: string,
  id: string,
  n: number,
  gen: GeneratorSettings,
  run: RunOptions = {},
): Promise<SearchOutcome> {
  throwIfAborted(run.signal);
  const prompt = generatorPrompt(problem, []).slice(0, 1); // the user turn: generate opens the assistant turn
  const generations = await engine.generate(
    { role: "generator", prompt, n, temperature: gen.temperature, topP: gen.topP, seed: gen.seed, maxTokens: gen.maxTokens },
    { signal: run.signal },
  );
  throwIfAborted(run.signal);
  const generatorTokens = {
    evaluated: await engine.countTokens(promptText(prompt), "generator", { signal: run.signal }),
    generated: generations.reduce((a, g) => a + g.tokens, 0),
  };
  const candidates: Candidate[] = generations.map((g, i) => fullCandidate(g, `search:${id}:${i}`));
  const { scores, tokens } = await scorer.score(problem, candidates, run);
  const best = bestIndex(scores.map((s) => s.solution));
  const chosen = candidates[best];
  return {
    steps: chosen?.steps ?? [],
    answer: chosen?.answer ?? null,
    score: scores[best]?.solution ?? null,
    candidates: candidates.length,
    generations: generations.length,
    generatorTokens,
    scorerTokens: tokens,
  };
}
