// Shared by the serve-* and openai-* tests: the real local engine (through createEngine) on the
// generated tiny BPE + ChatML GGUF. RANDOM WEIGHTS: these tests check plumbing, not judgement.
import { DEFAULT_CONFIG, type StepLensConfig } from "../../src/config";
import { createEngine } from "../../src/engines/createEngine";
import type { Engine } from "../../src/engines/engine";
import { testModel } from "../support/testModels";

export function serveTestModel(): Promise<string> {
  return testModel({ tokenizer: "spm", chatTemplate: true });
}

/** A StepLens config running every role on the tiny model, on the CPU, with `sequences` sequences. */
export async function serveTestConfig(overrides: { sequences?: number; adapter?: string } = {}): Promise<StepLensConfig> {
  const model = await serveTestModel();
  const config: StepLensConfig = structuredClone(DEFAULT_CONFIG);
  config.engine.kind = "local";
  config.models = { prm: model, verifier: model, generator: model, prover: model };
  config.local = { ...config.local, gpu: "off", maxThreads: 0, contextSize: 4096, sequences: overrides.sequences ?? 2 };
  config.prm.adapter = overrides.adapter ?? "math-shepherd";
  return config;
}

export async function serveTestEngine(overrides: { sequences?: number; adapter?: string } = {}): Promise<Engine> {
  return createEngine(await serveTestConfig(overrides));
}
