/**
 * The reward flags `steplens reward` and `steplens serve` share: judge, scalarisation and the format
 * gate's rules, checked against the settings' bounds (CONFIG_BOUNDS / CONFIG_ENUMS).
 */
import type { GatePreset, RewardScalarize, RewardSource, StepLensConfig } from "../config";
import { GATE_CODES, type GateCode } from "../rewards/formatGate";
import { DEFAULT_REWARD_LOG_MAX_MB, RewardLog } from "../rewards/rewardLog";
import { checkRewardOptions, type RewardOptions, rewardOptionsFromConfig } from "../rewards/rewardScorer";
import { enumFlag, type FlagValues, intFlag, numberFlag, textFlag, UsageError } from "./flags";

/** The reward flags `steplens reward` and `steplens serve` share (parseArgs option specs). */
export const REWARD_OPTIONS = {
  source: { type: "string" },
  scalarize: { type: "string" },
  "gated-reward": { type: "string" },
  gate: { type: "string" },
  "no-gate": { type: "string" },
  "gate-on": { type: "string" },
  "min-steps": { type: "string" },
  "max-steps": { type: "string" },
  "verifier-samples": { type: "string" },
  rollouts: { type: "string" },
  template: { type: "string" },
} as const;

export const REWARD_HELP = `Reward (the same in steplens reward and steplens serve):
  --source prm|verifier    judge: the scalar PRM (scoreSteps) or the generative verifier (default prm)
  --scalarize MODE         auto|outcome|hybrid|min|product|pav|steps (default auto: min for the PRM,
                           hybrid for the verifier; pav: prover rollouts after every step, progress.*)
  --gated-reward X         reward of a rollout that fails the format gate (default 0; a negative
                           value as --gated-reward=-1)
  --gate PRESET             format gate: spark (default: SPARK's three rules as the paper states
                           them — one \\boxed{}, one <answer>…</answer>, nothing after </answer>),
                           spark-code (exactly SPARK's published code: cut at the LAST </answer>
                           first, so trailing text is never seen), strict (spark + step-count +
                           second-solution)
  --no-gate CODES          turn gate rules off on top of the preset, comma-separated (or all):
                           ${GATE_CODES.join(", ")}
  --gate-on CODES          turn gate rules on on top of the preset (e.g. step-count)
  --min-steps N --max-steps N   step-count bounds (default 3 and 20; steps inside <answer> count)
  --verifier-samples K     verifications per rollout with --source verifier (default 1, temperature 0)
  --template NAME|FILE     verifier prompt template (default spark)
  --rollouts M             pav: prover rollouts after every step (default progress.rollouts, 8)`;

/** The gate rules a flag names (comma-separated codes, or all); an unknown code is a usage error. */
function gateCodes(values: FlagValues, name: string): GateCode[] {
  const raw = textFlag(values, name);
  if (!raw) return [];
  const codes = raw
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of codes) {
    if (c !== "all" && !(GATE_CODES as readonly string[]).includes(c))
      throw new UsageError(`--${name}: unknown rule '${c}' (rules: ${GATE_CODES.join(", ")}, or all).`);
  }
  return codes.includes("all") ? [...GATE_CODES] : (codes as GateCode[]);
}

/** Applies the reward flags onto a config (in place) and returns the reward options. */
export function rewardConfigFromFlags(values: FlagValues, config: StepLensConfig): RewardOptions {
  const r = config.rewards;
  r.source = enumFlag<RewardSource>(values, "source", "rewards.source") ?? r.source;
  r.scalarize = enumFlag<RewardScalarize>(values, "scalarize", "rewards.scalarize") ?? r.scalarize;
  r.gatedReward = numberFlag(values, "gated-reward", "rewards.gatedReward") ?? r.gatedReward;
  r.minSteps = intFlag(values, "min-steps", "rewards.minSteps") ?? r.minSteps;
  r.maxSteps = intFlag(values, "max-steps", "rewards.maxSteps") ?? r.maxSteps;
  r.verifierSamples = intFlag(values, "verifier-samples", "rewards.verifierSamples") ?? r.verifierSamples;
  config.progress.rollouts = intFlag(values, "rollouts", "progress.rollouts") ?? config.progress.rollouts;
  const template = textFlag(values, "template");
  if (template) config.verify.promptTemplate = template;
  r.gatePreset = enumFlag<GatePreset>(values, "gate", "rewards.gatePreset") ?? r.gatePreset;
  const off = gateCodes(values, "no-gate");
  const on = gateCodes(values, "gate-on");
  const both = off.filter((c) => on.includes(c));
  if (both.length) throw new UsageError(`--no-gate and --gate-on both name ${both.join(", ")}.`);
  const keys: Record<GateCode, "gateBoxedCount" | "gateAnswerTagCount" | "gateTextAfterAnswer" | "gateStepCount" | "gateSecondSolution"> = {
    "boxed-count": "gateBoxedCount",
    "answer-tag-count": "gateAnswerTagCount",
    "text-after-answer": "gateTextAfterAnswer",
    "step-count": "gateStepCount",
    "second-solution": "gateSecondSolution",
  };
  for (const c of off) r[keys[c]] = "off";
  for (const c of on) r[keys[c]] = "on";
  if (r.minSteps > r.maxSteps) throw new UsageError(`--min-steps (${r.minSteps}) must not exceed --max-steps (${r.maxSteps}).`);
  const opts = rewardOptionsFromConfig(config);
  checkRewardOptions(opts);
  return opts;
}

/** The reward-log flags of `steplens serve` and `steplens reward`. */
export const REWARD_LOG_OPTIONS = {
  "reward-log": { type: "string" },
  "reward-log-max-mb": { type: "string" },
} as const;

export const REWARD_LOG_HELP = `Reward log (off by default):
  --reward-log FILE        append one JSON line per rewarded rollout: time, client, trainer step (when
                           the client sends trainer_step), prompt, response, the steps the judge saw,
                           gate (passed, codes, details), step values, reward, scalarisation, model.
                           Append-only and crash-safe; a readable dataset (segment, export, editor)
  --reward-log-max-mb N    rotate at N MiB into FILE's name + .1, .2, … (default ${DEFAULT_REWARD_LOG_MAX_MB})`;

/** Opens the reward log the flags ask for (undefined without --reward-log). */
export function rewardLogFromFlags(values: FlagValues, model: string): RewardLog | undefined {
  const file = textFlag(values, "reward-log");
  const maxMb = intFlag(values, "reward-log-max-mb", "rewards.logMaxMb");
  if (!file) {
    if (maxMb !== undefined) throw new UsageError("--reward-log-max-mb needs --reward-log FILE.");
    return undefined;
  }
  return new RewardLog(file, { model, maxBytes: (maxMb ?? DEFAULT_REWARD_LOG_MAX_MB) * 1024 * 1024 });
}
