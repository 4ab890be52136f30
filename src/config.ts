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
}

export const DEFAULT_CONFIG: StepLensConfig = {
  traces: { filePatterns: [] },
  engine: { kind: "local" },
  local: { gpu: "auto", maxThreads: 0, contextSize: 4096, sequences: 4, modelCacheDir: "" },
  models: { prm: "", verifier: "", generator: "", prover: "" },
  prm: { adapter: "math-shepherd", stepTag: "ки", positiveToken: "+", negativeToken: "-", threshold: 0.5 },
  openai: { baseUrl: "http://127.0.0.1:8080/v1", model: "", prmModel: "", concurrency: 4, timeoutMs: 120000, maxRetries: 4 },
  verify: {
    samples: 8,
    tau: 0.5,
    temperature: 0.8,
    aggregate: "step",
    metaCritique: false,
    promptTemplate: "spark",
    constrained: false,
  },
  run: { trigger: "open-save", debounceMs: 800 },
  annotations: { hover: true, gutterHeat: true, inlineScores: true, codeLens: true },
};

/** Threads for node-llama-cpp on CPU: the setting, or cores - 1 (at least 1). */
export function resolveMaxThreads(setting: number, cores: number): number {
  if (setting > 0) return Math.floor(setting);
  return Math.max(1, cores - 1);
}
