/**
 * PAV progress of every step of a trace (Rewarding Progress, arXiv 2410.08146), with two policies:
 * the base policy π (the generator role: the policy being searched or trained) and the prover μ
 * (the prover role).
 *
 * - Q^μ_0 (the problem alone) and Q^μ_h (after step h) are the shares of M prover rollouts,
 *   continuing from that prefix, whose final answer is correct. qBefore of step h is Q^μ_{h−1}; q is Q^μ_h.
 * - Advantage A^μ_h = Q^μ_h − Q^μ_{h−1}.
 * - qBase = Q^π_h, the share of M base-policy rollouts after step h that end correct (the base
 *   policy needs no rollouts before step 1).
 * - Effective reward r_h = Q^π_h + α·A^μ_h (α = DEFAULT_ALPHA unless given).
 * - When π and μ are the same model (or no base policy is set), one set of rollouts serves both:
 *   Q^π = Q^μ and r_h = Q_h + α·A_h; the result says so (`samePolicy`).
 * - Intervals: Wilson intervals of every Q (src/progress/intervals.ts); a step loses progress when
 *   Newcombe's interval of A^μ_h lies below 0 (`stepLosesProgress`).
 * - "Correct": equal (answersEqual) to the reference answer when one is given; otherwise to the
 *   majority answer over ALL rollouts of the trace (every boundary, both policies), whose share is
 *   reported.
 * - Cost: each model's `prefixRollouts` evaluates the trace once and forks each boundary (local
 *   engine), so two policies evaluate the trace twice (once per model), never once per rollout;
 *   engines without it get the uncached fallback.
 * No `vscode` import.
 */
import { throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine, ModelRole, PrefixRollouts } from "../engines/engine";
import { prefixRolloutsViaRollouts } from "../engines/prefixRollouts";
import { answersEqual, extractAnswer, majorityAnswer } from "../grading";
import { DEFAULT_CONFIDENCE, losesProgress, successesOf, wilsonInterval } from "./intervals";
import { completedSolution, proverPrompt } from "./proverPrompt";

/** α of r_h = Q^π_h + α·A^μ_h when none is given (the paper's search range is about 0.1–0.7). */
export const DEFAULT_ALPHA = 0.5;
/** Prover sampling when none is given: rollouts must differ, so not greedy. */
export const DEFAULT_PROVER_TEMPERATURE = 0.7;
export const DEFAULT_ROLLOUTS = 8;
export const DEFAULT_ROLLOUT_MAX_TOKENS = 512;

export interface ProgressRequest {
  problem: string;
  steps: string[];
  /** M, rollouts per prefix (the same M for both policies). */
  rollouts: number;
  alpha: number;
  /** The reference answer; null/absent: reference-free (majority answer). */
  reference?: string | null;
  maxTokens?: number;
  /** Rollout i of every prefix uses seed + i. */
  seed?: number;
  temperature?: number;
  topP?: number;
  /** The prover μ's role (default "prover"). */
  proverRole?: ModelRole;
  /** The base policy π's role (default "generator"); unset on the engine, the prover stands in (π = μ). */
  policyRole?: ModelRole;
}

export interface ProgressStep {
  /** 0-based step index. */
  index: number;
  /** Q^μ before the step (Q^μ_{h−1}; Q^μ_0 is the problem alone). */
  qBefore: number;
  /** Q^μ after the step. */
  q: number;
  /** A^μ = q − qBefore. */
  advantage: number;
  /** Q^π after the step (the base policy's rollouts; equals q when π = μ). */
  qBase: number;
  /** qBase + α·advantage. */
  effective: number;
  /** Wilson interval of q at DEFAULT_CONFIDENCE. */
  interval: [number, number];
  /** Wilson interval of qBefore. */
  intervalBefore: [number, number];
  /** Wilson interval of qBase. */
  qBaseInterval: [number, number];
}

/** What one policy's rollouts cost. */
export interface RolloutCost {
  prefixTokensEvaluated: number;
  traceTokens: number;
  rolloutTokens: number;
}

export interface ProgressResult {
  steps: ProgressStep[];
  /** What "correct" meant: the reference, or the majority answer of all rollouts (value null when no rollout had an answer). */
  answer: { value: string | null; source: "reference" | "majority"; share: number };
  /** M. */
  rollouts: number;
  /** The prover's cost (the fields keep their one-policy meaning). */
  prefixTokensEvaluated: number;
  traceTokens: number;
  rolloutTokens: number;
  /** π and μ are the same model (one set of rollouts serves both; Q^π = Q^μ). */
  samePolicy: boolean;
  /** What the base policy resolved to and what its own rollouts cost (all 0 when samePolicy). */
  policy: { model: string | null } & RolloutCost;
  /** What the prover resolved to. */
  proverModel: string | null;
  seconds: number;
}

/** Q before the first step (the problem alone): qBefore of step 0, or null without steps. */
export function initialQ(result: ProgressResult): number | null {
  return result.steps[0]?.qBefore ?? null;
}

/** Whether a step clearly loses progress: Newcombe's interval of its advantage lies below 0. */
export function stepLosesProgress(step: Pick<ProgressStep, "qBefore" | "q">, rollouts: number, confidence = DEFAULT_CONFIDENCE): boolean {
  return losesProgress(successesOf(step.qBefore, rollouts), successesOf(step.q, rollouts), rollouts, confidence);
}

/**
 * The steps of a result from the correct counts per boundary (k = 0 … N): `correct[k]` of the
 * prover's M rollouts after k steps, `baseCorrect[k]` of the base policy's (k ≥ 1 used; absent:
 * π = μ, the prover's counts). Hand-checkable arithmetic, exported for tests:
 *   q = Q^μ_h = correct[h]/M, qBefore = Q^μ_{h−1}, advantage = q − qBefore,
 *   qBase = Q^π_h = baseCorrect[h]/M, effective = qBase + α·advantage.
 */
export function progressSteps(
  correct: readonly number[],
  rollouts: number,
  alpha: number,
  baseCorrect?: readonly number[],
  confidence = DEFAULT_CONFIDENCE,
): ProgressStep[] {
  const share = (c: number) => (rollouts > 0 ? c / rollouts : 0);
  const base = baseCorrect ?? correct;
  if (base.length !== correct.length) throw new Error(`base policy counts for ${base.length} boundaries, prover counts for ${correct.length}`);
  const steps: ProgressStep[] = [];
  for (let h = 1; h < correct.length; h++) {
    const after = correct[h];
    const before = correct[h - 1];
    const baseAfter = base[h];
    if (after === undefined || before === undefined || baseAfter === undefined)
      throw new Error(`progressSteps: no correct count for boundary ${h - 1} or ${h}`);
    const q = share(after);
    const qBefore = share(before);
    const qBase = share(baseAfter);
    const advantage = q - qBefore;
    steps.push({
      index: h - 1,
      qBefore,
      q,
      advantage,
      qBase,
      effective: qBase + alpha * advantage,
      interval: wilsonInterval(after, rollouts, confidence),
      intervalBefore: wilsonInterval(before, rollouts, confidence),
      qBaseInterval: wilsonInterval(baseAfter, rollouts, confidence),
    });
  }
  return steps;
}

/**
 * The final answer of a completed solution: a box, an answer line or an answer phrase. The grading
 * module's last rule (a short text is its own answer, meant for gold fields) does not apply: a
 * rollout that just says "I give up." has no answer.
 */
export function solutionAnswer(solution: string): string | null {
  return /\\boxed|\\fbox|answer/i.test(solution) ? extractAnswer(solution) : null;
}

/** Whether the base policy is the prover's model: same resolved model, or no base policy set. */
export function policiesShareModel(
  engine: Engine,
  policyRole: ModelRole,
  proverRole: ModelRole,
): { same: boolean; policy: string | null; prover: string | null } {
  const models = engine.info().models;
  const prover = models[proverRole] || null;
  const policy = models[policyRole] || null;
  return { same: policy === null || policyRole === proverRole || policy === prover, policy: policy ?? prover, prover };
}

export async function estimateProgress(engine: Engine, req: ProgressRequest, opts: RunOptions = {}): Promise<ProgressResult> {
  const started = performance.now();
  throwIfAborted(opts.signal);
  const m = Math.floor(req.rollouts);
  if (!(m >= 1)) throw new Error(`rollouts must be at least 1 (got ${req.rollouts})`);
  if (!Number.isFinite(req.alpha)) throw new Error(`alpha must be a number (got ${req.alpha})`);
  const proverRole = req.proverRole ?? "prover";
  const policyRole = req.policyRole ?? "generator";
  const models = policiesShareModel(engine, policyRole, proverRole);
  const { head, segments } = proverPrompt(req.problem, req.steps);
  const base = {
    head,
    segments,
    n: m,
    seed: req.seed ?? 0,
    temperature: req.temperature ?? DEFAULT_PROVER_TEMPERATURE,
    topP: req.topP,
    maxTokens: req.maxTokens ?? DEFAULT_ROLLOUT_MAX_TOKENS,
  };
  const boundaries = segments.length + 1;
  const total = (models.same ? 1 : 2) * boundaries * m - (models.same ? 0 : m);
  const run = async (role: ModelRole, firstBoundary: number, offset: number, label: string): Promise<PrefixRollouts> => {
    const r = { ...base, role, firstBoundary };
    const o: RunOptions = {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ ...p, done: offset + p.done, total, message: p.message ? `${label} ${p.message}` : label }),
    };
    return engine.prefixRollouts ? engine.prefixRollouts(r, o) : prefixRolloutsViaRollouts(engine, r, o);
  };
  const out = await run(proverRole, 0, 0, models.same ? "" : "prover");
  throwIfAborted(opts.signal);
  // The base policy: the same prefix, its own model; Q^π is needed after each step only.
  const baseOut = models.same ? null : await run(policyRole, 1, boundaries * m, "policy");
  throwIfAborted(opts.signal);

  const gradeRows = (rows: PrefixRollouts["rollouts"]) => rows.map((row, k) => row.map((g) => solutionAnswer(completedSolution(segments, k, g.text))));
  const answers = gradeRows(out.rollouts);
  const baseAnswers = baseOut ? gradeRows(baseOut.rollouts) : null;
  const all = [...answers.flat(), ...(baseAnswers?.flat() ?? [])];
  const reference = req.reference?.trim() ? req.reference.trim() : null;
  let target: string | null;
  let answer: ProgressResult["answer"];
  if (reference !== null) {
    target = reference;
    const hits = all.filter((a) => a !== null && answersEqual(a, reference)).length;
    answer = { value: reference, source: "reference", share: all.length ? hits / all.length : 0 };
  } else {
    const majority = majorityAnswer(all);
    target = majority?.value ?? null;
    answer = { value: target, source: "majority", share: majority?.share ?? 0 };
  }
  const count = (rows: (string | null)[][]) => rows.map((row) => (target === null ? 0 : row.filter((a) => a !== null && answersEqual(a, target!)).length));
  const correct = count(answers);
  const baseCorrect = baseAnswers ? count(baseAnswers) : undefined;
  return {
    steps: progressSteps(correct, m, req.alpha, baseCorrect),
    answer,
    rollouts: m,
    prefixTokensEvaluated: out.prefixTokensEvaluated,
    traceTokens: out.traceTokens,
    rolloutTokens: out.rolloutTokens,
    samePolicy: models.same,
    policy: {
      model: models.policy,
      prefixTokensEvaluated: baseOut?.prefixTokensEvaluated ?? 0,
      traceTokens: baseOut?.traceTokens ?? 0,
      rolloutTokens: baseOut?.rolloutTokens ?? 0,
    },
    proverModel: models.prover,
    seconds: (performance.now() - started) / 1000,
  };
}
