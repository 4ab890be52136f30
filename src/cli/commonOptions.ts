/**
 * Options more than one command takes, each declared once (type, bounds, default, help). A command
 * lists them in its own declaration by spreading (`...INPUT_FORMAT_OPTION`) or by name
 * (`"max-tokens": MAX_TOKENS_OPTION`); where a command's meaning is narrower it may reword the help
 * (`{ ...SAMPLES_OPTION, help: "…" }`), never the type, bounds or default.
 */
import { DEFAULT_CONFIG } from "../config";
import { PRM_ADAPTERS } from "../engines/presets";
import { FORMAT_CHOICES } from "../formats/detect";
import { DEFAULT_ALPHA, DEFAULT_ROLLOUTS } from "../progress/estimateProgress";
import { DEFAULT_MAX_CRITIQUE_CHARS } from "../verify/constrainedSchema";
import { defineOptions } from "./options";

const V = DEFAULT_CONFIG.verify;

/** `--format`: the input format of a trace or dataset (auto: from the extension and content). */
export const INPUT_FORMAT_OPTION = {
  type: "enum",
  choices: FORMAT_CHOICES,
  arg: "<name>",
  default: "auto",
  help: "input format",
} as const;

/** `--step-tag`: Math-Shepherd's tag at the end of each step. */
export const STEP_TAG_OPTION = { type: "text", arg: "<tag>", help: "Math-Shepherd input: the tag that ends each step", default: "ки" } as const;

/** `--max-tokens`: the longest generation (a solution, a verification), in tokens. */
export const MAX_TOKENS_OPTION = { type: "int", arg: "<n>", bounds: "verify.maxTokens", help: "tokens per generation" } as const;

/** `--temperature`: the sampling temperature. */
export const TEMPERATURE_OPTION = { type: "number", arg: "<t>", bounds: "verify.temperature", help: "sampling temperature" } as const;

/** Prover rollouts and their length, and α of the effective reward (PAV, src/progress). */
export const PROGRESS_OPTIONS = defineOptions({
  rollouts: { type: "int", arg: "<M>", bounds: "progress.rollouts", default: DEFAULT_ROLLOUTS, help: "prover rollouts per prefix" },
  alpha: { type: "number", arg: "<α>", bounds: "progress.alpha", default: DEFAULT_ALPHA, help: "α of the effective reward Q^π + α·A^μ" },
});

/** `--rollout-tokens` (and progress's `--max-tokens`): the longest prover rollout. */
export const ROLLOUT_TOKENS_OPTION = {
  type: "int",
  arg: "<n>",
  bounds: "progress.maxTokens",
  defaultText: `steplens.progress.maxTokens, ${DEFAULT_CONFIG.progress.maxTokens}`,
  help: "longest rollout in tokens",
} as const;

/** `--samples <K>`: verifications per solution. */
export const SAMPLES_OPTION = { type: "int", arg: "<K>", bounds: "verify.samples", default: V.samples, help: "verifications per solution" } as const;

/** `--prm`: the PRM adapter or a preset naming one. */
export const PRM_OPTION = {
  type: "text",
  arg: "<adapter|preset>",
  defaultText: `the model preset's, else ${DEFAULT_CONFIG.prm.adapter}; judge with --endpoint`,
  help: `the PRM adapter: ${PRM_ADAPTERS.join(" | ")}, or a preset's`,
} as const;

/** `--threshold`: a step scored below it is an error. */
export const THRESHOLD_OPTION = {
  type: "number",
  arg: "<t>",
  bounds: "prm.threshold",
  default: DEFAULT_CONFIG.prm.threshold,
  help: "a step scored below t is an error",
} as const;

/** The verifier's options `verify` and `synthesize` share (SPARK's K verifications, src/verify). */
export const VERIFIER_OPTIONS = defineOptions({
  aggregate: {
    type: "enum",
    choices: "verify.aggregate",
    default: V.aggregate,
    help: "which rule gives the first error (step | outcome | first-error); all three are computed and shown",
  },
  tau: {
    type: "number",
    arg: "<τ>",
    bounds: "verify.tau",
    default: V.tau,
    help: "step rule: a step is incorrect when at least τ·K' verifications say so, K' = the verifications that parsed",
  },
  "meta-critique": { type: "boolean", help: "then critique and rewrite the chosen verification (two passes, temperature 0)" },
  template: { type: "text", arg: "<name|file>", default: V.promptTemplate, help: "spark | processbench | thinkprm, or a template file" },
  constrained: { type: "boolean", help: "JSON-schema-constrained verdicts (for small local models)" },
  "max-critique-chars": {
    type: "int",
    arg: "<n>",
    bounds: { min: 0, max: 10_000 },
    defaultText: String(DEFAULT_MAX_CRITIQUE_CHARS),
    help: "constrained mode: longest critique per step",
  },
});

/** `--problem-field` / `--reference-field`: where a problems file keeps the problem and its answer. */
export const PROBLEM_FIELD_OPTION = { type: "text", arg: "<name>", defaultText: "question, problem, prompt", help: "the field with the problem text" } as const;

/** `--concurrency`: items (requests) in flight at once. */
export const CONCURRENCY_OPTION = { type: "int", arg: "<n>", bounds: { min: 1, max: 4096 }, help: "items in flight at once" } as const;

/** `--prm-model`: a model for the PRM role only, where `--model` serves the other roles. */
export const PRM_MODEL_OPTION = {
  type: "text",
  arg: "<path|preset>",
  defaultText: "--model",
  help: "a separate model for the PRM role, the one that scores steps",
} as const;

/** `--ray-address`: a running Ray cluster's dashboard, where jobs are submitted (`rl launch`, `synthesize --shards`). */
export const RAY_ADDRESS_OPTION = {
  type: "text",
  arg: "<URL>",
  help: "a running Ray cluster's dashboard address (e.g. http://HEAD:8265): the work goes there as Ray jobs",
} as const;
