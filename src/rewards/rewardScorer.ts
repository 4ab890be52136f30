/**
 * One rollout → one reward, exactly as the server computes it and `steplens reward` shows it:
 * format gate (cut at `</answer>`, segmented) → the judge (a scalar PRM through Engine.scoreSteps, or
 * a generative PRM through the verification pipeline) → scalarisation. A failed gate gives the gated
 * reward without running a model. Engine calls go through `schedule`, so the server can queue them
 * fairly onto the model's sequences. No `vscode` import here.
 */
import type { StepLensConfig } from "../config";
import { StepLensError, throwIfAborted } from "../core/errors";
import type { Engine } from "../engines/engine";
import { nextTurn } from "../core/eventLoopTurn";
import { answersEqual, extractAnswer } from "../grading";
import { estimateProgress, initialQ } from "../progress/estimateProgress";
import { resolveTemplate } from "../verify/templates";
import { verifyTrace, type VerifyOptions } from "../verify/verifyPipeline";
import { applyFormatGate, DEFAULT_GATE_RULES, type GateCode, type GateRules } from "./formatGate";
import { gateRulesOf, type GatePreset } from "./gatePresets";
import { pavReward, scalarize, type Scalarized, type ScalarizeMode, type StepJudgement } from "./scalarize";

export type RewardSource = "prm" | "verifier";
export const REWARD_SOURCES: readonly RewardSource[] = ["prm", "verifier"];
export type ScalarizeSetting = ScalarizeMode | "auto";

export interface RewardOptions {
  /** Who judges the steps: the scalar PRM (scoreSteps) or the generative verifier. */
  source: RewardSource;
  /** `auto`: `min` for the scalar PRM, `hybrid` for the verifier. */
  scalarize: ScalarizeSetting;
  /** The preset the gate's rules came from (for banners and logs; the rules are in `gate`). */
  gatePreset?: GatePreset;
  gate: GateRules;
  /** The reward of a rollout that fails the gate (default 0). */
  gatedReward: number;
  /** PRM step threshold (outcome and hybrid for a scalar PRM). */
  threshold: number;
  /** Verification settings when `source` is "verifier" (template, K, temperature, …). */
  verify: VerifyOptions;
  /** PAV (`pav`): M prover rollouts per step boundary, α of r = Q + α·A, rollout length and temperature. */
  progress: { rollouts: number; alpha: number; maxTokens: number; temperature: number };
}

export interface RewardItem {
  /** The problem / prompt the policy answered. */
  prompt: string;
  /** The policy's rollout. */
  response: string;
  /** A known correct answer: reference-guided verification, and answer grading in the details. */
  reference?: string | null;
}

/**
 * Why a rollout got the gated reward: a gate rule, or `too-long` — the rollout does not fit the
 * judge's context, so it cannot be scored (that rollout alone is gated; the batch is served).
 */
export type RewardReasonCode = GateCode | "too-long";
export const REWARD_REASON_CODES: readonly RewardReasonCode[] = [
  "boxed-count",
  "answer-tag-count",
  "text-after-answer",
  "step-count",
  "second-solution",
  "too-long",
];

/** Engine error codes that mean "this input is too long for the judge" (local context, endpoint body limit). */
const TOO_LONG_CODES = new Set(["too-long", "context-too-small", "endpoint-too-large"]);

export interface RewardDetail {
  reward: number;
  gate: { passed: boolean; reasons: RewardReasonCode[]; details: string[] };
  /** 1 / 0 from the judge; null when the gate failed (no model ran). */
  outcome: number | null;
  /** Per-step judge values in [0, 1] (P(correct), or verdict 1 / 0). */
  steps: number[];
  /** The step texts the judge saw (after the gate's cut, segmented); a gated rollout's would-be steps. */
  stepTexts: string[];
  /** Per-step rewards (see scalarize.ts); they sum to `reward` in mode `steps`. */
  stepRewards: number[];
  stepCount: number;
  scalarize: ScalarizeMode;
  source: RewardSource;
  /** The rollout's answer (from `<answer>`, else the final answer of the text); null when none. */
  answer: string | null;
  /** With a reference: whether the answer equals it (answer grading); null without one. */
  answerCorrect: boolean | null;
  /** Model seconds for this item (0 when gated). */
  seconds: number;
}

export interface ScoreRunOptions {
  signal?: AbortSignal;
  /** Runs an engine call (the server queues it onto its lane); default: run it now. */
  schedule?: <T>(task: () => Promise<T>) => Promise<T>;
}

/** The mode `auto` stands for with this source. */
export function resolveScalarize(setting: ScalarizeSetting, source: RewardSource): ScalarizeMode {
  if (setting !== "auto") return setting;
  return source === "prm" ? "min" : "hybrid";
}

/** Refuses settings that cannot give a reward, before any request is served. */
export function checkRewardOptions(opts: RewardOptions): void {
  if (resolveScalarize(opts.scalarize, opts.source) === "pav" && !(opts.progress.rollouts >= 1)) {
    throw new StepLensError("the 'pav' scalarisation needs at least one prover rollout per step.", {
      code: "bad-progress",
      hint: "Set progress.rollouts (steplens.progress.rollouts) to 1 or more.",
    });
  }
  const g = opts.gate;
  if (g.stepCount && !(g.minSteps >= 0 && g.maxSteps >= g.minSteps)) {
    throw new StepLensError(`the step-count bounds are inverted: min ${g.minSteps}, max ${g.maxSteps}.`, {
      code: "bad-gate",
      hint: "Give --min-steps ≤ --max-steps.",
    });
  }
  if (!Number.isFinite(opts.gatedReward)) throw new StepLensError("the gated reward must be a finite number.", { code: "bad-gate" });
}

/** Reward options from the typed config (settings `steplens.rewards.*`, `prm.threshold`, `verify.*`). */
export function rewardOptionsFromConfig(config: StepLensConfig, baseDir?: string): RewardOptions {
  const r = config.rewards;
  return {
    source: r.source,
    scalarize: r.scalarize,
    gatePreset: r.gatePreset,
    gate: gateRulesOf(
      r.gatePreset,
      {
        "boxed-count": r.gateBoxedCount,
        "answer-tag-count": r.gateAnswerTagCount,
        "text-after-answer": r.gateTextAfterAnswer,
        "step-count": r.gateStepCount,
        "second-solution": r.gateSecondSolution,
      },
      r.minSteps,
      r.maxSteps,
    ),
    gatedReward: r.gatedReward,
    threshold: config.prm.threshold,
    verify: {
      template: resolveTemplate(config.verify.promptTemplate, baseDir),
      samples: r.verifierSamples,
      temperature: r.verifierSamples > 1 ? config.verify.temperature : 0,
      tau: config.verify.tau,
      aggregate: config.verify.aggregate,
      constrained: config.verify.constrained,
      metaCritique: false,
    },
    progress: { ...config.progress },
  };
}

export const DEFAULT_REWARD_GATE = DEFAULT_GATE_RULES;

const direct = <T>(task: () => Promise<T>) => task();

/**
 * The reward of one rollout (see the top of this file). A rollout too long for the judge's context
 * gets the gated reward with reason `too-long` (its own result: the rest of a batch is served).
 */
export async function scoreReward(engine: Engine, item: RewardItem, opts: RewardOptions, run: ScoreRunOptions = {}): Promise<RewardDetail> {
  try {
    return await judgeReward(engine, item, opts, run);
  } catch (e) {
    if (!(e instanceof StepLensError) || !TOO_LONG_CODES.has(e.details.code ?? "")) throw e;
    const gate = applyFormatGate(item.response, opts.gate);
    const answer = gate.answer !== null ? (extractAnswer(gate.answer) ?? gate.answer) : extractAnswer(gate.cut);
    const reference = item.reference?.trim() ? item.reference.trim() : null;
    const texts = { stepTexts: gate.steps };
    return {
      reward: opts.gatedReward,
      gate: { passed: false, reasons: ["too-long"], details: [e.message] },
      outcome: null,
      steps: [],
      stepRewards: [],
      stepCount: gate.steps.length,
      scalarize: resolveScalarize(opts.scalarize, opts.source),
      source: opts.source,
      answer,
      answerCorrect: reference === null ? null : answer !== null && answersEqual(answer, reference),
      seconds: 0,
      ...texts,
    };
  }
}

async function judgeReward(engine: Engine, item: RewardItem, opts: RewardOptions, run: ScoreRunOptions): Promise<RewardDetail> {
  const mode = resolveScalarize(opts.scalarize, opts.source);
  const schedule = run.schedule ?? direct;
  // The gate and the answer grading are synchronous (and bounded): one item per event-loop turn, so a
  // big batch never blocks the server (src/core/eventLoopTurn.ts).
  await nextTurn();
  const gate = applyFormatGate(item.response, opts.gate);
  const answer = gate.answer !== null ? (extractAnswer(gate.answer) ?? gate.answer) : extractAnswer(gate.cut);
  const reference = item.reference?.trim() ? item.reference.trim() : null;
  const answerCorrect = reference === null ? null : answer !== null && answersEqual(answer, reference);
  const base = {
    gate: { passed: gate.passed, reasons: gate.reasons, details: gate.details },
    stepCount: gate.steps.length,
    stepTexts: gate.steps,
    scalarize: mode,
    source: opts.source,
    answer,
    answerCorrect,
  };
  if (!gate.passed || gate.steps.length === 0) {
    const gateOut = gate.passed ? { passed: false, reasons: ["step-count" as GateCode], details: ["no steps to judge"] } : base.gate;
    return { ...base, gate: gateOut, reward: opts.gatedReward, outcome: null, steps: [], stepRewards: [], seconds: 0 };
  }
  throwIfAborted(run.signal);
  const t0 = performance.now();
  if (mode === "pav") {
    // Progress is the judge here: the prover's rollouts after every step (A^μ) and the base policy's
    // (Q^π, the generator role; unset: the prover stands in, π = μ), "correct" by the reference when
    // there is one, else by the rollouts' majority answer (reference-free). r_h = Q^π_h + α·A^μ_h.
    const p = opts.progress;
    const r = await schedule(() =>
      estimateProgress(
        engine,
        { problem: item.prompt, steps: gate.steps, rollouts: p.rollouts, alpha: p.alpha, maxTokens: p.maxTokens, temperature: p.temperature, reference },
        { signal: run.signal },
      ),
    );
    const q = r.steps.map((st) => st.q);
    const s: Scalarized = pavReward(
      initialQ(r) ?? 0,
      q,
      p.alpha,
      r.steps.map((st) => st.qBase),
    );
    return {
      ...base,
      reward: s.reward,
      outcome: (q[q.length - 1] ?? 0) >= 0.5 ? 1 : 0,
      steps: q,
      stepRewards: s.stepRewards,
      seconds: (performance.now() - t0) / 1000,
    };
  }
  let judgement: StepJudgement;
  if (opts.source === "prm") {
    const r = await schedule(() => engine.scoreSteps({ problem: item.prompt, steps: gate.steps }, { signal: run.signal }));
    const values = r.steps.map((s) => s.score);
    const last = values[values.length - 1] ?? 0;
    judgement = { kind: "prm", values, outcome: last >= opts.threshold ? 1 : 0, threshold: opts.threshold };
  } else {
    const v = await schedule(() =>
      verifyTrace(engine, { problem: item.prompt, steps: gate.steps, reference: item.reference ?? null }, opts.verify, { signal: run.signal }),
    );
    const values = v.final.steps.map((s) => (s.verdict === "correct" ? 1 : 0));
    judgement = {
      kind: "verifier",
      values,
      verdictGiven: v.final.steps.map((s) => s.verdict !== "not-given"),
      outcome: v.final.outcome === "yes" ? 1 : 0,
      threshold: 0.5,
    };
  }
  const s = scalarize(judgement, mode as Exclude<ScalarizeMode, "pav">);
  return {
    ...base,
    reward: s.reward,
    outcome: judgement.outcome,
    steps: judgement.values,
    stepRewards: s.stepRewards,
    seconds: (performance.now() - t0) / 1000,
  };
}
