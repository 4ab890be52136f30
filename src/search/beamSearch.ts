/**
 * Step-level beam search (the search of "Rewarding Progress" and of PRM-guided test-time search):
 * 1. the empty solution is expanded into B·E first steps (so the first level holds as many
 *    candidates as best-of-N with N = B·E);
 * 2. every candidate is scored by the scorer's LAST-step score; the B best unfinished ones are kept
 *    (ties → the earlier one), finished ones (a final answer, or the model added nothing) leave the
 *    beam and join the finished pool;
 * 3. each kept beam is expanded into E next steps (one `rollouts` call per beam with n = E: the
 *    generator continues the solution so far, the prefix is evaluated once per call; seeds differ per
 *    call), duplicates (the same steps) are dropped, and step 2 repeats;
 * 4. it stops when B solutions are finished, no beam is left, or after S steps (the beams still open
 *    then join the pool unfinished);
 * 5. the pick among the pool is the highest solution score of the scorer (from the same call that
 *    scored its last step: no extra pass).
 * One step is one paragraph (see candidate.ts). No `vscode` import here.
 */
import { throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine } from "../engines/engine";
import type { GeneratorSettings } from "./bestOfN";
import { childCandidate, generatorPrompt, noTokens, promptText, STEP_STOPS, type Candidate } from "./candidate";
import type { PrefixScore, SearchScorer } from "./scorers";
import { bestIndex, type SearchOutcome } from "./searchOutcome";

export interface BeamSettings {
  beams: number;
  expansions: number;
  maxSteps: number;
}

/** Seeds of one call: far enough apart that the n samples of two calls never share one. */
const SEED_STRIDE = 1009;

interface Scored {
  candidate: Candidate;
  score: PrefixScore;
}

/** The B best of `scored` by last-step score (null last), stable. Exported for tests. */
export function pruneBeams<T extends { score: PrefixScore }>(scored: readonly T[], beams: number): T[] {
  const order = scored.map((s, i) => ({ s, i }));
  const key = (x: { s: T }) => (x.s.score.last === null || Number.isNaN(x.s.score.last) ? -Infinity : x.s.score.last);
  order.sort((a, b) => key(b) - key(a) || a.i - b.i);
  return order.slice(0, beams).map((x) => x.s);
}

export async function beamSearch(
  engine: Engine,
  scorer: SearchScorer,
  problem: string,
  id: string,
  settings: BeamSettings,
  gen: GeneratorSettings,
  run: RunOptions = {},
): Promise<SearchOutcome> {
  if (!scorer.stepwise) throw new Error(`the ${scorer.name} scorer has no step score: it cannot guide beam search (use best-of-N)`);
  const B = Math.max(1, Math.floor(settings.beams));
  const E = Math.max(1, Math.floor(settings.expansions));
  const generatorTokens = noTokens();
  const scorerTokens = noTokens();
  let calls = 0;
  let generations = 0;
  let beams: Candidate[] = [{ steps: [], answer: null, done: false, key: `search:${id}` }];
  const finished: Scored[] = [];
  let open: Scored[] = [];

  for (let depth = 0; depth < settings.maxSteps && beams.length && finished.length < B; depth++) {
    throwIfAborted(run.signal);
    const children: Candidate[] = [];
    const seen = new Set<string>();
    for (const beam of beams) {
      const n = depth === 0 ? B * E : E;
      const prefix = generatorPrompt(problem, beam.steps);
      const gens = await engine.rollouts(
        {
          role: "generator",
          prefix,
          n,
          temperature: gen.temperature,
          topP: gen.topP,
          seed: gen.seed + calls * SEED_STRIDE,
          maxTokens: gen.maxTokens,
          stop: STEP_STOPS,
        },
        { signal: run.signal },
      );
      throwIfAborted(run.signal);
      calls++;
      generations += gens.length;
      generatorTokens.generated += gens.reduce((a, g) => a + g.tokens, 0);
      generatorTokens.evaluated += await engine.countTokens(promptText(prefix), "generator", { signal: run.signal });
      gens.forEach((g, i) => {
        const child = childCandidate(beam, g);
        if (!child) return;
        const sig = JSON.stringify(child.steps);
        if (seen.has(sig)) return;
        seen.add(sig);
        // Children of the first level get their own prefix-cache keys; later ones inherit their beam's.
        children.push(depth === 0 ? { ...child, key: `${beam.key}:${i % B}` } : child);
      });
    }
    if (!children.length) break;
    const { scores, tokens } = await scorer.score(problem, children, run);
    scorerTokens.evaluated += tokens.evaluated;
    scorerTokens.generated += tokens.generated;
    const scored = children.map((candidate, i) => {
      const score = scores[i];
      if (score === undefined) throw new Error(`beam search: the ${scorer.name} scorer returned ${scores.length} scores for ${children.length} candidates`);
      return { candidate, score };
    });
    for (const s of scored) if (s.candidate.done) finished.push(s);
    open = pruneBeams(
      scored.filter((s) => !s.candidate.done),
      B,
    );
    beams = open.map((s) => s.candidate);
  }
  const pool = [...finished, ...open];
  const best = bestIndex(pool.map((s) => s.score.solution));
  const chosen = pool[best];
  return {
    steps: chosen?.candidate.steps ?? [],
    answer: chosen?.candidate.answer ?? null,
    score: chosen?.score.solution ?? null,
    candidates: pool.length,
    generations,
    generatorTokens,
    scorerTokens,
  };
}
