/**
 * The reward options `steplens reward` and `steplens serve` share, declared once: judge,
 * scalarisation and the format gate's rules, checked against the settings' bounds (CONFIG_BOUNDS /
 * CONFIG_ENUMS) and defaulting to the settings' defaults; and the reward log's options.
 */
import { DEFAULT_CONFIG, type GatePreset, type RewardScalarize, type RewardSource, type StepLensConfig } from "../config";
import { GATE_CODES, type GateCode } from "../rewards/formatGate";
import { DEFAULT_REWARD_LOG_MAX_MB, RewardLog } from "../rewards/rewardLog";
import { checkRewardOptions, type RewardOptions, rewardOptionsFromConfig } from "../rewards/rewardScorer";
import { UsageError } from "./command";
import { defineOptions, type OptionValues } from "./options";
import { PROGRESS_OPTIONS, VERIFIER_OPTIONS } from "./commonOptions";

const R = DEFAULT_CONFIG.rewards;
const REWARD_GROUP = "Reward (the same in steplens reward and steplens serve)";

/** The reward options `steplens reward` and `steplens serve` share. */
export const REWARD_OPTIONS = defineOptions({
  source: {
    type: "enum",
    choices: "rewards.source",
    group: REWARD_GROUP,
    default: R.source,
    help: "the judge: the scalar PRM (scoreSteps) or the generative verifier",
  },
  scalarize: {
    type: "enum",
    choices: "rewards.scalarize",
    arg: "<mode>",
    group: REWARD_GROUP,
    default: R.scalarize,
    help: "auto | outcome | hybrid | min | product | pav | steps; auto: min for the PRM, hybrid for the verifier; pav: prover rollouts after every step, with the progress.* settings",
  },
  "gated-reward": {
    type: "number",
    arg: "<x>",
    bounds: "rewards.gatedReward",
    group: REWARD_GROUP,
    default: R.gatedReward,
    help: "reward of a rollout that fails the format gate; a negative value as --gated-reward=-1",
  },
  gate: {
    type: "enum",
    choices: "rewards.gatePreset",
    arg: "<preset>",
    group: REWARD_GROUP,
    default: R.gatePreset,
    help: "the format gate. spark: SPARK's three rules as the paper states them — one \\boxed{}, one <answer>…</answer>, nothing after </answer>; spark-code: exactly SPARK's published code (cut at the LAST </answer> first, so trailing text is never seen); strict: spark + step-count + second-solution",
  },
  "no-gate": {
    type: "text",
    arg: "<codes>",
    group: REWARD_GROUP,
    help: `turn gate rules off on top of the preset, comma-separated (or all): ${GATE_CODES.join(", ")}`,
  },
  "gate-on": { type: "text", arg: "<codes>", group: REWARD_GROUP, help: "turn gate rules on on top of the preset (e.g. step-count)" },
  "min-steps": {
    type: "int",
    arg: "<n>",
    bounds: "rewards.minSteps",
    group: REWARD_GROUP,
    default: R.minSteps,
    help: "step-count rule: fewest steps; steps inside <answer> count",
  },
  "max-steps": { type: "int", arg: "<n>", bounds: "rewards.maxSteps", group: REWARD_GROUP, default: R.maxSteps, help: "step-count rule: most steps" },
  "verifier-samples": {
    type: "int",
    arg: "<K>",
    bounds: "rewards.verifierSamples",
    group: REWARD_GROUP,
    default: R.verifierSamples,
    help: "verifications per rollout with --source verifier, at temperature 0",
  },
  template: { ...VERIFIER_OPTIONS.template, group: REWARD_GROUP, help: "the verifier's prompt template: spark | processbench | thinkprm, or a template file" },
  rollouts: { ...PROGRESS_OPTIONS.rollouts, group: REWARD_GROUP, help: "pav: prover rollouts after every step, as the setting progress.rollouts" },
});

/** The reward options' values, as `steplens reward` and `steplens serve` parse them. */
export type RewardValues = OptionValues<typeof REWARD_OPTIONS>;

/** The gate rules an option names (comma-separated codes, or all); an unknown code is a usage error. */
function gateCodes(raw: string | undefined, name: string): GateCode[] {
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

/** Applies the reward options onto a config (in place) and returns the reward options. */
export function rewardConfigFromFlags(values: RewardValues, config: StepLensConfig): RewardOptions {
  const r = config.rewards;
  r.source = values.source as RewardSource;
  r.scalarize = values.scalarize as RewardScalarize;
  r.gatedReward = values["gated-reward"];
  r.minSteps = values["min-steps"];
  r.maxSteps = values["max-steps"];
  r.verifierSamples = values["verifier-samples"];
  config.progress.rollouts = values.rollouts;
  config.verify.promptTemplate = values.template;
  r.gatePreset = values.gate as GatePreset;
  const off = gateCodes(values["no-gate"], "no-gate");
  const on = gateCodes(values["gate-on"], "gate-on");
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

const LOG_GROUP = "Reward log (off by default)";

/** The reward-log options of `steplens serve` and `steplens reward`. */
export const REWARD_LOG_OPTIONS = defineOptions({
  "reward-log": {
    type: "text",
    arg: "FILE",
    group: LOG_GROUP,
    help: "append one JSON line per rewarded rollout: time, client, trainer step (when the client sends trainer_step), prompt, response, the steps the judge saw, gate (passed, codes, details), step values, reward, scalarisation, model. Append-only and crash-safe; a readable dataset (segment, export, editor)",
  },
  "reward-log-max-mb": {
    type: "int",
    arg: "N",
    bounds: "rewards.logMaxMb",
    group: LOG_GROUP,
    defaultText: String(DEFAULT_REWARD_LOG_MAX_MB),
    help: "rotate at N MiB into FILE's name + .1, .2, …",
  },
});

/** Opens the reward log the options ask for (undefined without --reward-log). */
export function rewardLogFromFlags(values: OptionValues<typeof REWARD_LOG_OPTIONS>, model: string): RewardLog | undefined {
  const file = values["reward-log"];
  const maxMb = values["reward-log-max-mb"];
  if (!file) {
    if (maxMb !== undefined) throw new UsageError("--reward-log-max-mb needs --reward-log FILE.");
    return undefined;
  }
  return new RewardLog(file, { model, maxBytes: (maxMb ?? DEFAULT_REWARD_LOG_MAX_MB) * 1024 * 1024 });
}
