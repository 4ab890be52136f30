/**
 * One factory for both engines: from the typed config (CLI flags and VS Code settings both end up
 * in a StepLensConfig) and the caller's secrets to a LocalEngine or an OpenAiEngine. The local
 * engine module is imported lazily, so the OpenAI path never loads node-llama-cpp. Secrets are
 * passed in by the caller (the CLI reads OPENAI_API_KEY; the extension its SecretStorage) and are
 * never part of the config. No `vscode` import here.
 */
import { DEFAULT_CONFIG, type StepLensConfig } from "../config";
import { StepLensError } from "../core/errors";
import type { Engine, ModelRole } from "./engine";
import { OpenAiEngine } from "./openai/openAiEngine";
import { findPreset } from "./presets";

export interface EngineSecrets {
  /** API key for the OpenAI-compatible endpoint (or a `steplens serve` bearer token). */
  apiKey?: string;
}

export interface CreateEngineOptions {
  /** Warnings a user should see (e.g. GPU asked for but absent: running on the CPU). */
  onWarning?: (message: string) => void;
  /** Environment for the model cache folder (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export async function createEngine(config: StepLensConfig, secrets: EngineSecrets = {}, options: CreateEngineOptions = {}): Promise<Engine> {
  if (config.engine.kind === "openai") return new OpenAiEngine(openAiEngineOptions(config, secrets));
  if (config.engine.kind !== "local") {
    throw new StepLensError(`Unknown engine kind '${String(config.engine.kind)}'.`, { hint: "Set steplens.engine.kind to 'local' or 'openai'." });
  }
  const { LocalEngine, localEngineOptions } = await import("./local/localEngine");
  return LocalEngine.create(localEngineOptions(config, { onWarning: options.onWarning, ...(options.env ? { env: options.env } : {}) }));
}

/**
 * The PRM adapter on an endpoint: `prm.adapter`, unless it is left at its default and `models.prm`
 * names an endpoint-only preset (e.g. qwen2.5-math-prm-7b chosen in the editor's model picker):
 * then that preset, so its route (vLLM pooling) is used.
 */
export function endpointPrmAdapter(config: StepLensConfig): string {
  const preset = config.models.prm ? findPreset(config.models.prm) : undefined;
  if (preset?.runtime === "endpoint" && config.prm.adapter === DEFAULT_CONFIG.prm.adapter) return preset.name;
  return config.prm.adapter;
}

/** The OpenAI engine's options from the config: one model for every role, `prmModel` for the PRM role. */
export function openAiEngineOptions(config: StepLensConfig, secrets: EngineSecrets) {
  const o = config.openai;
  const models: Partial<Record<ModelRole, string>> = o.prmModel ? { prm: o.prmModel } : {};
  return {
    baseUrl: o.baseUrl,
    apiKey: secrets.apiKey,
    model: o.model,
    models,
    prmAdapter: endpointPrmAdapter(config),
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    retry: { maxRetries: o.maxRetries },
  };
}
