/**
 * How search ranks candidates. Each scorer gives, for a list of (partial) solutions, the score of
 * the LAST step (beam search prunes by it) and a SOLUTION score (best-of-N ranks by it, and the final
 * pick among finished beams), higher is better:
 * - `prm`: the PRM role's step scores (Engine.scoreSteps, one pass per solution, prefix reuse by
 *   cache key): last = P(last step correct); solution = the minimum over its steps;
 * - `pav`: PAV progress (src/progress/estimateProgress.ts) as "Rewarding Progress" defines it: the
 *   generator role is the base policy π (the policy being searched), the prover role is μ;
 *   reference-free (majority answer of the rollouts: search never sees the reference). Per step
 *   r_h = Q^π_h + α·A^μ_h with A^μ_h = Q^μ_h − Q^μ_{h−1}: last = r_h of the last step (beam search
 *   ranks partial solutions by it); solution = min_h r_h over its steps (best-of-N and the final
 *   pick). With π = μ (one model) r_h = Q_h + α·A_h;
 * - `verify`: the verification pipeline (src/verify/verifyPipeline.ts), K samples, not
 *   reference-guided: last = the share of parsed verifications that call the last step correct;
 *   solution = the share of Yes among the final verdicts given, else the share of steps before the
 *   first error, null when nothing parsed;
 * - `majority` (self-consistency): no model; solution = the share of the candidates whose answer is
 *   equivalent to this one's (answersEqual); it has no step score, so it does best-of-N only.
 * Tokens: what the engine reports (PRM evaluatedTokens; rollout prefix and generated tokens;
 * verification tokens generated plus its prompt counted once). No `vscode` import here.
 */
import type { RunOptions } from "../core/progress";
import type { Engine } from "../engines/engine";
import { groupAnswers } from "../grading";
import { estimateProgress } from "../progress/estimateProgress";
import { renderPrompt, type VerifierTemplate } from "../verify/templates";
import { verifyTrace } from "../verify/verifyPipeline";
import { noTokens, promptText, type Candidate, type TokenCount } from "./candidate";

export const SCORER_NAMES = ["prm", "pav", "verify", "majority"] as const;
export type ScorerName = (typeof SCORER_NAMES)[number];

export interface PrefixScore {
  /** Score of the last step (null: none, e.g. the scorer has no step score or nothing parsed). */
  last: number | null;
  /** Score of the whole (partial) solution. */
  solution: number | null;
}

export interface SearchScorer {
  readonly name: ScorerName;
  /** Whether it scores steps, so it can guide beam search. */
  readonly stepwise: boolean;
  score(problem: string, candidates: readonly Candidate[], run?: RunOptions): Promise<{ scores: PrefixScore[]; tokens: TokenCount }>;
}

const min = (xs: readonly number[]): number | null => (xs.length ? Math.min(...xs) : null);

/** Scores each candidate in turn with `one` (a candidate with no step scores null/null), adding up the tokens it reports. */
async function eachCandidate(
  candidates: readonly Candidate[],
  one: (c: Candidate, tokens: TokenCount) => Promise<PrefixScore>,
): Promise<{ scores: PrefixScore[]; tokens: TokenCount }> {
  const tokens = noTokens();
  const scores: PrefixScore[] = [];
  for (const c of candidates) scores.push(c.steps.length ? await one(c, tokens) : { last: null, solution: null });
  return { scores, tokens };
}

export function prmScorer(engine: Engine): SearchScorer {
  return {
    name: "prm",
    stepwise: true,
    async score(problem, candidates, run = {}) {
      return eachCandidate(candidates, async (c, tokens) => {
        const r = await engine.scoreSteps({ problem, steps: c.steps, cacheKey: c.key }, { signal: run.signal });
        tokens.evaluated += r.evaluatedTokens;
        const s = r.steps.map((x) => x.score);
        return { last: s.at(-1) ?? null, solution: min(s) };
      });
    },
  };
}

export interface PavSettings {
  rollouts: number;
  alpha: number;
  maxTokens?: number;
  seed?: number;
  temperature?: number;
}

export function pavScorer(engine: Engine, settings: PavSettings): SearchScorer {
  return {
    name: "pav",
    stepwise: true,
    async score(problem, candidates, run = {}) {
      return eachCandidate(candidates, async (c, tokens) => {
        const r = await estimateProgress(
          engine,
          {
            problem,
            steps: c.steps,
            rollouts: settings.rollouts,
            alpha: settings.alpha,
            maxTokens: settings.maxTokens,
            seed: settings.seed,
            temperature: settings.temperature,
            reference: null,
          },
          { signal: run.signal },
        );
        tokens.evaluated += r.prefixTokensEvaluated + r.policy.prefixTokensEvaluated;
        tokens.generated += r.rolloutTokens + r.policy.rolloutTokens;
        const eff = r.steps.map((s) => s.effective);
        return { last: eff.at(-1) ?? null, solution: min(eff) };
      });
    },
  };
}

export interface VerifySettings {
  template: VerifierTemplate;
  samples: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  constrained?: boolean;
}

export function verifyScorer(engine: Engine, settings: VerifySettings): SearchScorer {
  return {
    name: "verify",
    stepwise: true,
    async score(problem, candidates, run = {}) {
      return eachCandidate(candidates, async (c, tokens) => {
        const input = { problem, steps: c.steps, reference: null };
        const r = await verifyTrace(
          engine,
          input,
          {
            template: settings.template,
            samples: settings.samples,
            temperature: settings.temperature,
            topP: settings.topP,
            maxTokens: settings.maxTokens,
            seed: settings.seed,
            constrained: settings.constrained,
            reference: null,
          },
          { signal: run.signal },
        );
        tokens.generated += r.tokens;
        tokens.evaluated += await engine.countTokens(promptText(renderPrompt(settings.template, input)), "verifier", { signal: run.signal });
        const a = r.aggregate;
        const lastStep = a.steps.at(-1);
        const last = a.valid > 0 && lastStep ? lastStep.correct / a.valid : null;
        let solution: number | null = null;
        const given = a.outcome.yes + a.outcome.no;
        if (given > 0) solution = a.outcome.yes / given;
        else if (a.firstError !== null) solution = a.firstError === -1 ? 1 : a.firstError / c.steps.length;
        return { last, solution };
      });
    },
  };
}

export function majorityScorer(): SearchScorer {
  return {
    name: "majority",
    stepwise: false,
    async score(_problem, candidates) {
      const share = new Map<number, number>(); // candidate index → the share of its answer's group
      for (const g of groupAnswers(candidates.map((c) => c.answer))) {
        for (const i of g.members) share.set(i, g.members.length / candidates.length);
      }
      const scores: PrefixScore[] = candidates.map((_, i) => ({ last: null, solution: share.get(i) ?? 0 }));
      return { scores, tokens: noTokens() };
    },
  };
}
