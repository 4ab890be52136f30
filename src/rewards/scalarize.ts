/**
 * From a judge's per-step view of a rollout to the number a trainer optimises. Two kinds of judge:
 * - a scalar PRM: P(step correct) per step (Engine.scoreSteps);
 * - a generative PRM / verifier: a verdict per step (correct / incorrect / none) and a final
 *   Yes/No (the verification pipeline, thinking stripped).
 * Both become `StepJudgement`: a value in [0, 1] per step (a verdict reads 1 / 0, no verdict 0) and
 * an outcome in {0, 1} (a verifier's final verdict; for a scalar PRM, last step ≥ threshold).
 *
 * Modes:
 * - `outcome`: the outcome (SPARK: Yes → 1, No or no verdict → 0);
 * - `hybrid`: 0.4 · (fraction of steps judged correct) + 0.6 · outcome (SPARK's hybrid step average;
 *   for a scalar PRM a step is "correct" when its score ≥ threshold);
 * - `min` / `product`: of the step values (a trace is as good as its worst step / all must hold);
 * - `pav`: effective reward of Rewarding Progress, mean over steps of r_h = Q^π_h + α·A^μ_h with
 *   A^μ_h = Q^μ_h − Q^μ_{h−1} (the base policy π's value plus α times the prover μ's advantage; with
 *   π = μ, Q_h + α·(Q_h − Q_{h−1})), from Monte Carlo rollouts supplied by the progress estimator;
 * - `steps`: per-step rewards that sum to the scalar reward: a verifier gives Tango-style ±1/n per
 *   step (0 for no verdict), zeroed when its verdict count differs from the step count; a scalar
 *   PRM gives score/n. Trainers that take per-step rewards read `stepRewards`.
 * No `vscode` import here.
 */

import type { RewardScalarize } from "../config";

export type ScalarizeMode = Exclude<RewardScalarize, "auto">;
export const SCALARIZE_MODES: readonly ScalarizeMode[] = ["outcome", "hybrid", "min", "product", "pav", "steps"];

export const HYBRID_STEP_WEIGHT = 0.4;
export const HYBRID_OUTCOME_WEIGHT = 0.6;

export interface StepJudgement {
  kind: "prm" | "verifier";
  /** Per step, in [0, 1]: P(correct) for a PRM; 1 correct / 0 incorrect or no verdict for a verifier. */
  values: number[];
  /** Per step for a verifier: whether it gave a verdict at all (Tango's verdict count). */
  verdictGiven?: boolean[];
  /** 1 or 0. */
  outcome: number;
  /** Step threshold (PRM only): a step counts as correct at or above it. */
  threshold: number;
}

export interface Scalarized {
  reward: number;
  /** Per-step rewards (mode `steps`; for the other modes the step values). */
  stepRewards: number[];
}

/** SPARK's hybrid: 0.4 · fraction of correct steps + 0.6 · outcome. */
export function hybridReward(correctSteps: number, totalSteps: number, outcome: number): number {
  const frac = totalSteps > 0 ? correctSteps / totalSteps : 0;
  return HYBRID_STEP_WEIGHT * frac + HYBRID_OUTCOME_WEIGHT * outcome;
}

/** Tango-style per-step rewards: ±1/n, 0 without a verdict; all 0 when the verdict count differs from n. */
export function tangoStepRewards(values: readonly number[], given: readonly boolean[]): number[] {
  const n = values.length;
  if (!n) return [];
  const verdicts = given.filter(Boolean).length;
  if (verdicts !== n) return values.map(() => 0);
  return values.map((v) => (v >= 0.5 ? 1 / n : -1 / n));
}

export function scalarize(j: StepJudgement, mode: Exclude<ScalarizeMode, "pav">): Scalarized {
  const { values } = j;
  const correct = j.kind === "prm" ? values.filter((v) => v >= j.threshold).length : values.filter((v) => v >= 0.5).length;
  switch (mode) {
    case "outcome":
      return { reward: j.outcome, stepRewards: [...values] };
    case "hybrid":
      return { reward: hybridReward(correct, values.length, j.outcome), stepRewards: [...values] };
    case "min":
      return { reward: values.length ? Math.min(...values) : 0, stepRewards: [...values] };
    case "product":
      return { reward: values.length ? values.reduce((a, v) => a * v, 1) : 0, stepRewards: [...values] };
    case "steps": {
      const stepRewards = j.kind === "verifier" ? tangoStepRewards(values, j.verdictGiven ?? values.map(() => true)) : values.map((v) => v / values.length);
      return { reward: stepRewards.reduce((a, v) => a + v, 0), stepRewards };
    }
  }
}

/**
 * PAV effective reward from the progress estimator's values: `q[h]` is the prover's Q^μ after step h
 * (P(correct | prefix through step h), continuing with μ), `q0` its value before the first step,
 * `qBase[h]` the base policy's Q^π after step h (absent: π = μ, so Q^π = Q^μ). Per step
 * r_h = Q^π_h + α·(Q^μ_h − Q^μ_{h−1}); the reward is their mean.
 */
export function pavReward(q0: number, q: readonly number[], alpha: number, qBase?: readonly number[]): Scalarized {
  if (qBase && qBase.length !== q.length) throw new Error(`Q^π for ${qBase.length} steps, Q^μ for ${q.length}`);
  const stepRewards = q.map((qh, h) => (qBase ? qBase[h]! : qh) + alpha * (qh - (h === 0 ? q0 : q[h - 1]!)));
  return { reward: stepRewards.length ? stepRewards.reduce((a, v) => a + v, 0) / stepRewards.length : 0, stepRewards };
}

/** The range a mode's reward lies in (gated rewards aside), for checks and docs. */
export function rewardRange(mode: ScalarizeMode, alpha = 0): [number, number] {
  if (mode === "steps") return [-1, 1];
  if (mode === "pav") return [-alpha, 1 + alpha];
  return [0, 1];
}
