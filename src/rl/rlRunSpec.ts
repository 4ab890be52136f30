/**
 * What `steplens rl init` writes a run folder for, and the defaults: SPARK's stage-III settings
 * (GRPO, 16 rollouts per prompt, lr 1e-6, KL loss 0.001 low-var-KL, batch 256, prompt and response
 * 2048 tokens, rollout tensor parallel 2, GPU memory 0.6). Saved as `steplens-rl.json` in the folder
 * so `steplens rl launch` knows what to check. No `vscode` import here.
 */
export type RlEngine = "verl" | "openrlhf" | "trl";
export const RL_ENGINES: readonly RlEngine[] = ["verl", "openrlhf", "trl"];

export interface RlRunSpec {
  engine: RlEngine;
  /** Base URL of the StepLens reward server (no path). */
  rewardUrl: string;
  /** Policy model (Hugging Face id or local path). */
  model: string;
  nodes: number;
  gpusPerNode: number;
  /** Scalarisation the reward client asks for; null: the server's default. */
  scalarize: string | null;
  /** verl only: per-step rewards on each step's final token (steplens_dense_reward.py) instead of one scalar per rollout. */
  dense?: boolean;
  rollouts: number;
  learningRate: number;
  klCoef: number;
  batchSize: number;
  maxPromptLength: number;
  maxResponseLength: number;
  tensorParallel: number;
  gpuMemoryUtilization: number;
  epochs: number;
  /** Prompt files written into the folder (relative names). */
  dataFiles: string[];
  /** How many prompts they hold. */
  prompts: number;
  /** Optimizer steps to stop after; -1 (or absent): train for `epochs`. */
  maxSteps?: number;
  /** Where the policy trains: "gpu" (the default) or "cpu" (TRL only: a smoke run on any machine). */
  device?: RlDevice;
  /** The format-gate preset the reward server is expected to run (`steplens serve --gate`). */
  gatePreset?: string;
  /** TRL: completions per process per micro-batch and micro-batches per step (from src/rl/runSizes.ts). */
  perDeviceBatch?: number;
  gradientAccumulation?: number;
  /** sha256 (hex) of each file `rl init` wrote, by name: it rewrites only files nobody changed since. */
  files?: Record<string, string>;
}

export type RlDevice = "gpu" | "cpu";

export const SPARK_DEFAULTS = {
  rollouts: 16,
  learningRate: 1e-6,
  klCoef: 0.001,
  batchSize: 256,
  maxPromptLength: 2048,
  maxResponseLength: 2048,
  tensorParallel: 2,
  gpuMemoryUtilization: 0.6,
  epochs: 25,
} as const;

export const DEFAULT_POLICY_MODEL = "Qwen/Qwen2.5-Math-7B";
export const RUN_SPEC_FILE = "steplens-rl.json";

/** Which engine versions each generated setting was checked against (also in the run README). */
export const CHECKED_AGAINST: Readonly<Record<RlEngine, string>> = {
  verl: "verl 0.9.1 and 0.7.1 (the range 0.7.1–0.9.1): launch.sh's overrides composed by verl's own Hydra config and reward.py called by verl's reward loop on a real batch, by StepLens's test suite; 0.9.1's entry point run up to its GPU check",
  openrlhf:
    "OpenRLHF 0.11.2: launch.sh's flags parsed by OpenRLHF's own entry point up to ray.init, and its remote-reward client served a 1,024-rollout burst, by StepLens's test suite",
  trl: "TRL 1.16.0: installed and trained (2 GRPO steps on the CPU, a tiny model) by StepLens's test suite; keys first read against v1.9.0+26 (huggingface/trl f2cd577)",
};
