/**
 * Where models come from and every error a user can act on: missing file, not GGUF, too large for
 * memory, no binary, GPU asked for but absent (CPU + warning), context too small for a trace,
 * preset that needs an endpoint, offline hf: URI. Models are generated tiny GGUFs with RANDOM
 * weights (plumbing, not judgement).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import type { GpuSetting } from "../../src/config";
import { StepLensError } from "../../src/core/errors";
import { isEngineError } from "../../src/engines/errors";
import { createLlamaRuntime, loadNodeLlamaCpp, type NodeLlamaCpp } from "../../src/engines/local/llamaRuntime";
import { LocalEngine, type LocalEngineOptions } from "../../src/engines/local/localEngine";
import { ModelRegistry } from "../../src/engines/local/modelRegistry";
import {
  cachedModelFile,
  checkGgufFile,
  downloadModel,
  hfDownloadTarget,
  listCachedModels,
  modelCacheDir,
  parseHfUri,
  parseModelSpec,
  resolveModel,
} from "../../src/engines/local/modelSource";
import { suiteRuntime } from "../support/suiteRuntime";
import { testModel } from "../support/testModels";
import { suiteTempDir } from "../support/tempDir";
import { itemAt } from "../support/indexing";

const URI = "hf:QuantFactory/math-shepherd-mistral-7b-prm-GGUF/math-shepherd-mistral-7b-prm.Q4_K_M.gguf";

async function rejectsWith(p: Promise<unknown>, code: string, ...needles: string[]): Promise<StepLensError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isEngineError(e, code as never), `expected ${code}, got ${e instanceof StepLensError ? e.details.code : e}: ${(e as Error).message}`);
    const text = e.format();
    for (const n of needles) assert.ok(text.includes(n), `${JSON.stringify(n)} missing from: ${text}`);
    return e;
  }
  assert.fail(`expected a ${code} error`);
}

describe("model sources and actionable engine errors (random-weight tiny models)", () => {
  const llama = suiteRuntime();
  let tiny: string;
  const tmp = suiteTempDir("steplens-engine-errors-");
  before(async () => {
    tiny = await testModel({ tokenizer: "spm" });
  });
  const options = (over: Partial<LocalEngineOptions> = {}): LocalEngineOptions => ({
    gpu: "off",
    maxThreads: 0,
    contextSize: 1024,
    sequences: 1,
    modelCacheDir: path.join(tmp.path, "cache"),
    models: { prm: tiny },
    prm: { adapter: "math-shepherd" },
    ...over,
  });

  it("a missing model file names the file", async () => {
    const missing = path.join(tmp.path, "nope", "model.gguf");
    await rejectsWith(resolveModel(missing), "model-missing", missing, "not found");
    const engine = await LocalEngine.create(options({ models: { prm: missing } }), { runtime: llama.runtime });
    await rejectsWith(engine.scoreSteps({ problem: "p", steps: ["s"] }), "model-missing", missing);
    await engine.dispose();
  });

  it("a file that is not GGUF is refused by its magic bytes", async () => {
    const bad = path.join(tmp.path, "model.safetensors.gguf");
    fs.writeFileSync(bad, '{"__metadata__": {}}');
    await rejectsWith(resolveModel(bad), "model-not-gguf", bad, '"{"__', "GGUF");
    const empty = path.join(tmp.path, "empty.gguf");
    fs.writeFileSync(empty, "");
    assert.throws(
      () => checkGgufFile(empty),
      (e: unknown) => isEngineError(e, "model-not-gguf") && e.message.includes("an empty file"),
    );
    assert.doesNotThrow(() => checkGgufFile(tiny));
  });

  it("a model larger than free memory is refused before loading", async () => {
    const registry = new ModelRegistry(llama.runtime, { memory: async () => ({ ramFree: 1000, vramFree: null }) });
    await rejectsWith(registry.acquire(tiny), "model-too-large", tiny, "RAM", "smaller quantisation");
    assert.equal(registry.loaded.length, 0);
    const gpu = new ModelRegistry(llama.runtime, { memory: async () => ({ ramFree: 1000, vramFree: 2000 }) });
    await rejectsWith(gpu.acquire(tiny), "model-too-large", "GPU memory and RAM");
  });

  it("the same file for two roles loads once and is disposed with its last user", async () => {
    const registry = new ModelRegistry(llama.runtime);
    const a = await registry.acquire(tiny);
    const b = await registry.acquire(path.join(path.dirname(tiny), ".", path.basename(tiny)));
    assert.equal(a.model, b.model);
    assert.equal(registry.refCount(tiny), 2);
    await a.release();
    await a.release(); // idempotent
    assert.equal(a.model.disposed, false);
    await b.release();
    assert.equal(b.model.disposed, true);
    assert.equal(registry.loaded.length, 0);

    const engine = await LocalEngine.create(options({ models: { prm: tiny, verifier: tiny } }), { runtime: llama.runtime });
    const prm = await engine.role("prm");
    const verifier = await engine.role("verifier");
    assert.equal(prm.model, verifier.model, "one load for both roles");
    assert.equal(prm.pool, verifier.pool, "and one context");
    await engine.dispose();
    assert.equal(prm.model.disposed, true);
  });

  it("a trace that does not fit the context names the trace and its token count", async () => {
    const engine = await LocalEngine.create(options({ contextSize: 256 }), { runtime: llama.runtime });
    try {
      const steps = Array.from({ length: 40 }, (_, i) => `Step ${i}: x = ${i}.`);
      const { plan, loaded } = await engine.planScoring({ problem: "p", steps });
      const e = await rejectsWith(
        engine.scoreSteps({ problem: "p", steps, cacheKey: "gsm8k.json#gsm8k-7" }),
        "context-too-small",
        "gsm8k.json#gsm8k-7",
        `${plan.tokens.length} tokens`,
        `holds ${loaded.pool.contextSize}`,
      );
      assert.ok(e.details.hint?.includes("contextSize"));
    } finally {
      await engine.dispose();
    }
  });

  it("a GPU that is asked for but absent falls back to the CPU with a warning", async () => {
    const lib = await loadNodeLlamaCpp();
    const supported = await lib.getLlamaGpuTypes("supported");
    // A GPU kind this machine cannot have: metal off macOS; on macOS, cuda.
    const absent = process.platform === "darwin" ? "cuda" : "metal";
    const kinds: GpuSetting[] = [absent, ...(["cuda", "vulkan"] as const).filter((k) => !supported.includes(k) && k !== absent)];
    for (const gpu of kinds) {
      const warnings: string[] = [];
      const rt = await createLlamaRuntime({ gpu, maxThreads: 1, onWarning: (w) => warnings.push(w) });
      try {
        assert.equal(rt.device, "cpu", gpu);
        assert.equal(warnings.length, 1, gpu);
        assert.match(itemAt(warnings, 0, `the CPU-fallback warning for ${gpu}`), new RegExp(`GPU '${gpu}' was asked for .* running on the CPU with 1 thread`));
        assert.deepEqual(rt.warnings, warnings);
      } finally {
        await rt.dispose();
      }
    }
    const quiet: string[] = [];
    const auto = await createLlamaRuntime({ gpu: "auto", maxThreads: 1, onWarning: (w) => quiet.push(w) });
    assert.deepEqual(quiet, [], "auto never warns");
    await auto.dispose();
  });

  it("no llama.cpp binary for the platform gives an error that says what to do", async () => {
    const broken = {
      getLlama: async () => {
        const e = new Error("NoBinaryFoundError");
        e.name = "NoBinaryFoundError";
        throw e;
      },
    } as unknown as NodeLlamaCpp;
    await rejectsWith(
      createLlamaRuntime({ gpu: "off", maxThreads: 1 }, { load: async () => broken }),
      "no-binary",
      `${process.platform}-${process.arch}`,
      "Reinstall",
    );
  });

  it("a preset that needs the classification head points to the endpoint route", async () => {
    await rejectsWith(resolveModel("qwen2.5-math-prm-7b"), "needs-endpoint", "qwen2.5-math-prm-7b", "classification head", "vLLM", "--endpoint");
    for (const over of [{ prm: { adapter: "qwen2.5-math-prm-7b" } }, { models: { prm: "qwen2.5-math-prm-7b" } }] as Partial<LocalEngineOptions>[]) {
      const engine = await LocalEngine.create(options(over), { runtime: llama.runtime });
      await rejectsWith(engine.scoreSteps({ problem: "p", steps: ["s"] }), "needs-endpoint", "classification head");
      await engine.dispose();
    }
  });

  it("an hf: URI offline says which URI, which file to download and which folder to put it in", async () => {
    const dir = path.join(tmp.path, "offline-cache");
    const env = { ...process.env, HF_ENDPOINT: "https://huggingface.unreachable.invalid" };
    const e = await rejectsWith(
      downloadModel(URI, { cacheDir: dir, env }),
      "model-offline",
      URI,
      dir,
      "hf_QuantFactory_math-shepherd-mistral-7b-prm.Q4_K_M.gguf",
    );
    assert.ok(
      e.details.hint?.includes(
        "https://huggingface.unreachable.invalid/QuantFactory/math-shepherd-mistral-7b-prm-GGUF/resolve/main/math-shepherd-mistral-7b-prm.Q4_K_M.gguf",
      ),
    );
    await rejectsWith(downloadModel(URI, { cacheDir: dir, env: { ...process.env, STEPLENS_OFFLINE: "1" } }), "model-offline", URI);
  });

  it("a cached hf: download is used without the network", async () => {
    const dir = path.join(tmp.path, "cache-hit");
    fs.mkdirSync(dir, { recursive: true });
    const target = hfDownloadTarget(URI);
    fs.copyFileSync(tiny, path.join(dir, target.fileName!));
    fs.writeFileSync(path.join(dir, "partial.gguf.ipull"), "x");
    const env = { ...process.env, STEPLENS_OFFLINE: "1" };
    assert.equal(await cachedModelFile(URI, dir), path.join(dir, target.fileName!));
    const resolved = await resolveModel(URI, { cacheDir: dir, env });
    assert.equal(resolved.path, path.join(dir, target.fileName!));
    assert.deepEqual(
      listCachedModels(dir).map((c) => path.basename(c.file)),
      [target.fileName],
    );
    const engine = await LocalEngine.create(options({ modelCacheDir: dir, models: { prm: URI }, env }), { runtime: llama.runtime });
    const r = await engine.scoreSteps({ problem: "p", steps: ["a", "b"] });
    assert.equal(r.steps.length, 2);
    assert.equal(r.model, URI);
    await engine.dispose();
  });

  it("model settings: paths, hf: URIs, presets, unknown names; the cache folder's precedence", async () => {
    assert.equal(parseModelSpec("math-shepherd-mistral-7b-prm").kind, "preset");
    assert.equal(parseModelSpec(URI).kind, "hf");
    assert.equal(parseModelSpec("./models/x.gguf").kind, "path");
    assert.deepEqual(parseHfUri("hf:Qwen/Qwen3-4B-GGUF:Q4_K_M"), { user: "Qwen", repo: "Qwen3-4B-GGUF", file: undefined, branch: undefined });
    assert.equal(parseHfUri(URI)?.file, "math-shepherd-mistral-7b-prm.Q4_K_M.gguf");
    await rejectsWith(resolveModel("not-a-model"), "model-unknown", "not-a-model", "math-shepherd-mistral-7b-prm");
    assert.equal(modelCacheDir("/a/b", { STEPLENS_MODEL_CACHE: "/c" }), "/a/b");
    assert.equal(modelCacheDir("", { STEPLENS_MODEL_CACHE: "/c" }), "/c");
    assert.equal(modelCacheDir("", { HOME: "/h", XDG_CACHE_HOME: "/x" }), "/x/steplens/models");
    const engine = await LocalEngine.create(options(), { runtime: llama.runtime });
    await rejectsWith(engine.generate({ role: "prover", prompt: "x" }), "model-not-set", "prover", "steplens.models.prover");
    await engine.dispose();
  });
});
