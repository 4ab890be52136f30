/**
 * PAV progress of every step of a trace (Rewarding Progress, arXiv 2410.08146):
 *
 * - Q_0 (the problem alone) and Q_h (after step h) are the shares of M prover rollouts, continuing
 *   from that prefix, whose final answer is correct. qBefore of step h is Q_{h−1}; q is Q_h.
 * - Advantage A_h = Q_h − Q_{h−1}; effective reward r_h = Q_h + α·A_h (α = DEFAULT_ALPHA unless given).
 * - `interval` is the Wilson interval of Q_h (src/progress/intervals.ts); a step loses progress when
 *   Newcombe's interval of A_h lies below 0 (`stepLosesProgress`).
 * - "Correct": equal (answersEqual) to the reference answer when one is given; otherwise to the
 *   majority answer over ALL rollouts of the trace (every boundary), whose share is reported.
 * - Cost: the engine's `prefixRollouts` evaluates the trace once and forks each boundary (local
 *   engine); engines without it get the uncached fallback.
 * No `vscode` import.
 */
import { throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine } from "../engines/engine";
import { prefixRolloutsViaRollouts } from "../engines/prefixRollouts";
import { answersEqual, extractAnswer, majorityAnswer } from "../grading";
import { DEFAULT_CONFIDENCE, losesProgress, successesOf, wilsonInterval } from "./intervals";
import { completedSolution, proverPrompt } from "./proverPrompt";

/** α of r_h = Q_h + α·A_h when none is given (the paper's search range is about 0.1–0.7). */
export const DEFAULT_ALPHA = 0.5;
/** Prover sampling when none is given: rollouts must differ, so not greedy. */
export const DEFAULT_PROVER_TEMPERATURE = 0.7;
export const DEFAULT_ROLLOUTS = 8;
export const DEFAULT_ROLLOUT_MAX_TOKENS = 512;

export interface ProgressRequest {
  problem: string;
  steps: string[];
  /** M, rollouts per prefix. */
  rollouts: number;
  alpha: number;
  /** The reference answer; null/absent: reference-free (majority answer). */
  reference?: string | null;
  maxTokens?: number;
  /** Rollout i of every prefix uses seed + i. */
  seed?: number;
  temperature?: number;
  topP?: number;
}

export interface ProgressStep {
  /** 0-based step index. */
  index: number;
  /** Q before the step (Q_{h−1}; Q_0 is the problem alone). */
  qBefore: number;
  /** Q after the step. */
  q: number;
  /** q − qBefore. */
  advantage: number;
  /** q + α·advantage. */
  effective: number;
  /** Wilson interval of q at DEFAULT_CONFIDENCE. */
  interval: [number, number];
}

export interface ProgressResult {
  steps: ProgressStep[];
  /** What "correct" meant: the reference, or the majority answer of all rollouts (value null when no rollout had an answer). */
  answer: { value: string | null; source: "reference" | "majority"; share: number };
  /** M. */
  rollouts: number;
  prefixTokensEvaluated: number;
  traceTokens: number;
  rolloutTokens: number;
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
 * The steps of a result from the correct counts per boundary (k = 0 … N): hand-checkable arithmetic,
 * exported for tests.
 */
export function progressSteps(correct: readonly number[], rollouts: number, alpha: number, confidence = DEFAULT_CONFIDENCE): ProgressStep[] {
  const q = correct.map((c) => (rollouts > 0 ? c / rollouts : 0));
  const steps: ProgressStep[] = [];
  for (let h = 1; h < q.length; h++) {
    const advantage = q[h] - q[h - 1];
    steps.push({
      index: h - 1,
      qBefore: q[h - 1],
      q: q[h],
      advantage,
      effective: q[h] + alpha * advantage,
      interval: wilsonInterval(correct[h], rollouts, confidence),
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

export async function estimateProgress(engine: Engine, req: ProgressRequest, opts: RunOptions = {}): Promise<ProgressResult> {
  const started = performance.now();
  throwIfAborted(opts.signal);
  const m = Math.floor(req.rollouts);
  if (!(m >= 1)) throw new Error(`rollouts must be at least 1 (got ${req.rollouts})`);
  if (!Number.isFinite(req.alpha)) throw new Error(`alpha must be a number (got ${req.alpha})`);
  const { head, segments } = proverPrompt(req.problem, req.steps);
  const prefixReq = {
    role: "prover" as const,
    head,
    segments,
    n: m,
    seed: req.seed ?? 0,
    temperature: req.temperature ?? DEFAULT_PROVER_TEMPERATURE,
    topP: req.topP,
    maxTokens: req.maxTokens ?? DEFAULT_ROLLOUT_MAX_TOKENS,
  };
  const out = engine.prefixRollouts ? await engine.prefixRollouts(prefixReq, opts) : await prefixRolloutsViaRollouts(engine, prefixReq, opts);
  throwIfAborted(opts.signal);

  const answers = out.rollouts.map((row, k) => row.map((g) => solutionAnswer(completedSolution(segments, k, g.text))));
  const all = answers.flat();
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
  const correct = answers.map((row) => (target === null ? 0 : row.filter((a) => a !== null && answersEqual(a, target!)).length));
  return {
    steps: progressSteps(correct, m, req.alpha),
    answer,
    rollouts: m,
    prefixTokensEvaluated: out.prefixTokensEvaluated,
    traceTokens: out.traceTokens,
    rolloutTokens: out.rolloutTokens,
    seconds: (performance.now() - started) / 1000,
  };
}
