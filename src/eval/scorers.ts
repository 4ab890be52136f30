/**
 * The three ways `eval processbench` turns a model into a prediction (earliest wrong step, or -1):
 * - `prm`: the PRM scores every step (engine.scoreSteps); the prediction is the first step below a
 *   threshold, chosen after scoring (fixed, or tuned on GSM8K), so the raw record keeps the scores;
 * - `verify`: the verification pipeline (K samples, aggregated; meta-critique when asked for); the
 *   prediction is the aggregate's first error;
 * - `critic`: ProcessBench's critic protocol (see criticProtocol.ts): by default exactly as its official
 *   script runs it — the last `\boxed{}` read with int(), greedy for one sample, 8 samples at
 *   temperature 1 / top_p 0.9 voted with the first-seen tie rule — so F1 is comparable with the
 *   paper; StepLens's lenient reading and earliest-step tie rule are options.
 * A verification that decides nothing (every sample malformed) gives no prediction: the item counts as
 * wrong and is reported, never guessed.
 */
import type { AggregateMode } from "../config";
import type { RunOptions } from "../core/progress";
import type { Trace } from "../core/trace";
import type { Engine } from "../engines/engine";
import { BUILTIN_TEMPLATES, type VerifierTemplate } from "../verify/templates";
import type { CriticIndexRule } from "../verify/verdictParser";
import { criticVote, officialCriticSampling, OFFICIAL_VOTING_SAMPLES, type CriticTieRule } from "./criticProtocol";
import { verifyTrace, type VerifyOptions } from "../verify/verifyPipeline";

export type ScorerName = "prm" | "verify" | "critic";
export const SCORER_NAMES: readonly ScorerName[] = ["prm", "verify", "critic"];

/** What a scorer stores per item in the runner's append-only file (besides id and subset). */
export type ScoreRecord = { scores: number[] } | { prediction: number | null; valid: number; malformed: number; votes?: Record<string, number> };

export interface ItemScorer {
  name: ScorerName;
  /** The settings that change results; a resumed run must match them. */
  config: Record<string, unknown>;
  score(trace: Trace, run: RunOptions): Promise<ScoreRecord>;
}

export function prmScorer(engine: Engine, model: string): ItemScorer {
  return {
    name: "prm",
    config: { scorer: "prm", model },
    async score(trace, run) {
      const r = await engine.scoreSteps({ problem: trace.problem, steps: trace.steps.map((s) => s.text) }, run);
      return { scores: r.steps.map((s) => s.score) };
    },
  };
}

export interface VerifyScorerOptions extends Omit<VerifyOptions, "template"> {
  template: VerifierTemplate;
  model: string;
}

function verifyConfig(name: ScorerName, o: VerifyScorerOptions): Record<string, unknown> {
  return {
    scorer: name,
    model: o.model,
    template: o.template.name,
    samples: o.samples,
    temperature: o.temperature,
    topP: o.topP ?? null,
    maxTokens: o.maxTokens ?? null,
    finalVerdictRule: o.finalVerdictRule ?? "steplens",
    seed: o.seed ?? null,
    tau: o.tau,
    aggregate: o.aggregate,
    constrained: o.constrained ?? false,
    metaCritique: o.metaCritique ?? false,
  };
}

export function verifyScorer(engine: Engine, o: VerifyScorerOptions): ItemScorer {
  return {
    name: "verify",
    config: verifyConfig("verify", o),
    async score(trace, run) {
      const r = await verifyTrace(engine, { problem: trace.problem, steps: trace.steps.map((s) => s.text) }, o, run);
      return { prediction: r.final.firstError, valid: r.aggregate.valid, malformed: r.aggregate.malformed, votes: r.aggregate.firstErrorVote.counts };
    },
  };
}

export interface CriticScorerOptions extends Omit<VerifyScorerOptions, "template" | "aggregate" | "tau" | "metaCritique" | "criticIndex"> {
  template?: VerifierTemplate;
  /** How each sample's index is read (default "official": ProcessBench's script). */
  criticIndex?: CriticIndexRule;
  /** How the samples' answers are voted (default "official": most common, first seen wins a tie). */
  tieRule?: CriticTieRule;
}

export function criticScorer(engine: Engine, o: CriticScorerOptions): ItemScorer {
  const samples = o.samples ?? OFFICIAL_VOTING_SAMPLES;
  const official = officialCriticSampling(samples);
  const criticIndex = o.criticIndex ?? "official";
  const tieRule = o.tieRule ?? "official";
  const opts: VerifyScorerOptions = {
    ...o,
    template: o.template ?? BUILTIN_TEMPLATES.processbench,
    samples,
    temperature: o.temperature ?? official.temperature,
    topP: o.topP ?? official.topP,
    seed: o.seed ?? official.seed,
    aggregate: "first-error" as AggregateMode,
    metaCritique: false,
    criticIndex,
  };
  return {
    name: "critic",
    config: { ...verifyConfig("critic", opts), criticIndex, tieRule },
    async score(trace, run) {
      const r = await verifyTrace(engine, { problem: trace.problem, steps: trace.steps.map((s) => s.text) }, opts, run);
      const vote = criticVote(
        r.samples.map((s) => s.parse),
        tieRule,
      );
      return { prediction: vote.prediction, valid: r.aggregate.valid, malformed: r.aggregate.malformed, votes: vote.counts };
    },
  };
}
