/**
 * The one typed configuration interface. It mirrors `contributes.configuration` in package.json
 * (a unit test checks that every key and default matches). The extension reads it from VS Code
 * settings; the CLI from flags and environment variables. No `vscode` import here.
 */

export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "off";
export type EngineKind = "local" | "openai";
/** open-save: score on open and on save; type: also while typing (debounced); demand: only from commands. */
export type RunTrigger = "open-save" | "type" | "demand";
export type AggregateMode = "step" | "outcome" | "first-error";
/** How a verifier's final Yes/No is read: StepLens's (Yes and No together → undetermined) or SPARK's first match. */
export type FinalVerdictRuleSetting = "steplens" | "spark";
/** How a chat-turn PRM's first user turn joins the problem and step 1: RLHFlow's " " or ProcessBench's "\n\n". */
export type ChatTurnJoin = "space" | "blank-line";
/** Who judges a rollout's steps for a reward: the scalar PRM or the generative verifier. */
export type RewardSource = "prm" | "verifier";
/** The format gate's preset (src/rewards/gatePresets.ts): SPARK's rules as the paper states them, as its code runs them, or strict. */
export type GatePreset = "spark" | "spark-code" | "strict";
/** One format-gate rule on top of the preset: as the preset says, forced on, or forced off. */
export type GateSwitch = "preset" | "on" | "off";
/** How a judgement becomes a reward (src/rewards/scalarize.ts); auto: min for the PRM, hybrid for the verifier. */
export type RewardScalarize = "auto" | "outcome" | "hybrid" | "min" | "product" | "pav" | "steps";

export interface StepLensConfig {
  traces: {
    /** Glob patterns of extra files treated as traces (e.g. all Markdown: "**\/*.md"). */
    filePatterns: string[];
  };
  engine: {
    kind: EngineKind;
  };
  local: {
    gpu: GpuSetting;
    /** CPU threads; 0 means cores - 1 (at least 1). */
    maxThreads: number;
    contextSize: number;
    /** Parallel sequences per context (batching). */
    sequences: number;
    /** Folder where downloaded models are kept; empty means the default cache. */
    modelCacheDir: string;
    /** Compiled JSON-schema grammars kept in memory (least recently used dropped first). */
    grammarCacheSize: number;
  };
  models: {
    /** Per role: a local path, an `hf:` URI, or a preset name. Empty: not set. */
    prm: string;
    verifier: string;
    generator: string;
    prover: string;
  };
  prm: {
    /** math-shepherd | chat-turn | judge | a preset name. */
    adapter: string;
    stepTag: string;
    positiveToken: string;
    negativeToken: string;
    threshold: number;
    /** Chat-turn PRMs: the first user turn is problem + separator + step 1. */
    chatTurnJoin: ChatTurnJoin;
  };
  openai: {
    baseUrl: string;
    model: string;
    /** Separate model name for the PRM role on the endpoint; empty uses `model`. */
    prmModel: string;
    concurrency: number;
    timeoutMs: number;
    maxRetries: number;
  };
  verify: {
    samples: number;
    tau: number;
    temperature: number;
    aggregate: AggregateMode;
    metaCritique: boolean;
    /** Prompt format: spark | processbench | thinkprm, or a path to a template file. */
    promptTemplate: string;
    /** Constrain verifier output with a JSON schema (for small local models). */
    constrained: boolean;
    /** Nucleus sampling of the K verifications (SPARK: 0.95). */
    topP: number;
    /** Token limit per verification (SPARK: 8192, room for a thinking model). */
    maxTokens: number;
    finalVerdictRule: FinalVerdictRuleSetting;
  };
  /** PAV progress: M prover rollouts per prefix (the prover is `models.prover`). */
  progress: {
    /** M, rollouts per prefix. */
    rollouts: number;
    /** α of the effective reward r = Q + α·A. */
    alpha: number;
    /** Longest rollout, in tokens. */
    maxTokens: number;
    /** Prover sampling temperature. */
    temperature: number;
  };
  run: {
    trigger: RunTrigger;
    debounceMs: number;
  };
  annotations: {
    hover: boolean;
    gutterHeat: boolean;
    inlineScores: boolean;
    codeLens: boolean;
  };
  /** Rewards for RL (src/rewards): the format gate's rules, the judge and the scalarisation. */
  rewards: {
    source: RewardSource;
    scalarize: RewardScalarize;
    /** Reward of a rollout that fails the format gate. */
    gatedReward: number;
    /** The format gate's preset (src/rewards/gatePresets.ts); each rule below can be forced on or off on top. */
    gatePreset: GatePreset;
    gateBoxedCount: GateSwitch;
    gateAnswerTagCount: GateSwitch;
    gateTextAfterAnswer: GateSwitch;
    gateStepCount: GateSwitch;
    minSteps: number;
    maxSteps: number;
    gateSecondSolution: GateSwitch;
    /** Verifications per rollout when the verifier judges (1: one pass at temperature 0, as SPARK's RL). */
    verifierSamples: number;
    /** Port of the reward server the extension starts (`steplens serve`). */
    serverPort: number;
    /** Reward log of the server the extension starts (`--reward-log`; relative to the workspace folder); "" for none. */
    logFile: string;
    /** The reward log is rotated at this size (MiB). */
    logMaxMb: number;
  };
}

export const DEFAULT_CONFIG: StepLensConfig = {
  traces: { filePatterns: [] },
  engine: { kind: "local" },
  local: { gpu: "auto", maxThreads: 0, contextSize: 4096, sequences: 4, modelCacheDir: "", grammarCacheSize: 32 },
  models: { prm: "", verifier: "", generator: "", prover: "" },
  prm: { adapter: "math-shepherd", stepTag: "ки", positiveToken: "+", negativeToken: "-", threshold: 0.5, chatTurnJoin: "space" },
  openai: { baseUrl: "http://127.0.0.1:8080/v1", model: "", prmModel: "", concurrency: 4, timeoutMs: 120000, maxRetries: 4 },
  verify: {
    samples: 16,
    tau: 0.5,
    temperature: 0.8,
    aggregate: "step",
    metaCritique: false,
    promptTemplate: "spark",
    constrained: false,
    topP: 0.95,
    maxTokens: 8192,
    finalVerdictRule: "steplens",
  },
  progress: { rollouts: 8, alpha: 0.5, maxTokens: 512, temperature: 0.7 },
  run: { trigger: "open-save", debounceMs: 800 },
  annotations: { hover: true, gutterHeat: true, inlineScores: true, codeLens: true },
  rewards: {
    source: "prm",
    scalarize: "auto",
    gatedReward: 0,
    gatePreset: "spark",
    gateBoxedCount: "preset",
    gateAnswerTagCount: "preset",
    gateTextAfterAnswer: "preset",
    gateStepCount: "preset",
    minSteps: 3,
    maxSteps: 20,
    gateSecondSolution: "preset",
    verifierSamples: 1,
    serverPort: 8080,
    logFile: "",
    logMaxMb: 256,
  },
};

/** Bounds of a numeric setting (package.json's `minimum`/`maximum`; `integer` for "type": "integer"). */
export interface SettingBounds {
  min: number;
  max: number;
  integer: boolean;
}

/**
 * Bounds of every numeric setting, keyed `<section>.<key>`: the one table the CLI flags, the settings
 * reader and package.json share (test/unit/config-manifest.test.ts checks it against the manifest).
 */
export const CONFIG_BOUNDS: Readonly<Record<string, SettingBounds>> = {
  "local.maxThreads": { min: 0, max: 1024, integer: true },
  "local.contextSize": { min: 256, max: 1048576, integer: true },
  "local.sequences": { min: 1, max: 256, integer: true },
  "local.grammarCacheSize": { min: 1, max: 1024, integer: true },
  "prm.threshold": { min: 0, max: 1, integer: false },
  "openai.concurrency": { min: 1, max: 256, integer: true },
  "openai.timeoutMs": { min: 1000, max: 3600000, integer: true },
  "openai.maxRetries": { min: 0, max: 20, integer: true },
  "verify.samples": { min: 1, max: 64, integer: true },
  "verify.tau": { min: 0, max: 1, integer: false },
  "verify.temperature": { min: 0, max: 2, integer: false },
  "verify.topP": { min: 0, max: 1, integer: false },
  "verify.maxTokens": { min: 1, max: 131072, integer: true },
  "run.debounceMs": { min: 0, max: 60000, integer: true },
  "progress.rollouts": { min: 1, max: 256, integer: true },
  "progress.alpha": { min: 0, max: 10, integer: false },
  "progress.maxTokens": { min: 1, max: 32768, integer: true },
  "progress.temperature": { min: 0, max: 2, integer: false },
  "rewards.gatedReward": { min: -10, max: 10, integer: false },
  "rewards.minSteps": { min: 0, max: 1000, integer: true },
  "rewards.maxSteps": { min: 1, max: 1000, integer: true },
  "rewards.verifierSamples": { min: 1, max: 64, integer: true },
  "rewards.serverPort": { min: 1, max: 65535, integer: true },
  "rewards.logMaxMb": { min: 1, max: 1048576, integer: true },
};

/** `Record<Union, true>` forces every member of the union to be listed (and nothing else). */
function members<T extends string>(all: Record<T, true>): readonly T[] {
  return Object.keys(all) as T[];
}

/** Allowed values of the enum-typed settings, keyed `<section>.<key>` (package.json lists the same). */
export const CONFIG_ENUMS: Readonly<Record<string, readonly string[]>> = {
  "engine.kind": members<EngineKind>({ local: true, openai: true }),
  "local.gpu": members<GpuSetting>({ auto: true, cuda: true, vulkan: true, metal: true, off: true }),
  "verify.aggregate": members<AggregateMode>({ step: true, outcome: true, "first-error": true }),
  "verify.finalVerdictRule": members<FinalVerdictRuleSetting>({ steplens: true, spark: true }),
  "prm.chatTurnJoin": members<ChatTurnJoin>({ space: true, "blank-line": true }),
  "run.trigger": members<RunTrigger>({ "open-save": true, type: true, demand: true }),
  "rewards.source": members<RewardSource>({ prm: true, verifier: true }),
  "rewards.scalarize": members<RewardScalarize>({ auto: true, outcome: true, hybrid: true, min: true, product: true, pav: true, steps: true }),
  "rewards.gatePreset": members<GatePreset>({ spark: true, "spark-code": true, strict: true }),
  "rewards.gateBoxedCount": members<GateSwitch>({ preset: true, on: true, off: true }),
  "rewards.gateAnswerTagCount": members<GateSwitch>({ preset: true, on: true, off: true }),
  "rewards.gateTextAfterAnswer": members<GateSwitch>({ preset: true, on: true, off: true }),
  "rewards.gateStepCount": members<GateSwitch>({ preset: true, on: true, off: true }),
  "rewards.gateSecondSolution": members<GateSwitch>({ preset: true, on: true, off: true }),
};

/** Threads for node-llama-cpp on CPU: the setting, or cores - 1 (at least 1). */
export function resolveMaxThreads(setting: number, cores: number): number {
  if (setting > 0) return Math.floor(setting);
  return Math.max(1, cores - 1);
}
