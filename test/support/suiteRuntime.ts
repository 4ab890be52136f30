/**
 * One node-llama-cpp runtime (CPU, default threads) for a suite of engine tests: loaded in the
 * suite's before(), disposed in its after(), after every engine made with `engine()`. Not a test
 * file itself.
 *
 *   const llama = suiteRuntime();
 *   before(async () => (engine = await llama.engine({ ...options, models: { prm: tiny } })));
 */
import { after, before } from "node:test";
import { createLlamaRuntime, type LlamaRuntime } from "../../src/engines/local/llamaRuntime";
import { LocalEngine, type LocalEngineOptions } from "../../src/engines/local/localEngine";

export interface SuiteRuntime {
  /** The runtime (from the suite's before() on). */
  readonly runtime: LlamaRuntime;
  /** A LocalEngine on the suite's runtime, disposed after the suite (before the runtime). */
  engine(options: LocalEngineOptions): Promise<LocalEngine>;
}

export function suiteRuntime(): SuiteRuntime {
  let runtime: LlamaRuntime | undefined;
  const engines: LocalEngine[] = [];
  before(async () => {
    runtime = await createLlamaRuntime({ gpu: "off", maxThreads: 0 });
  });
  after(async () => {
    for (const e of engines.splice(0)) await e.dispose();
    await runtime?.dispose();
  });
  const loaded = (): LlamaRuntime => {
    if (!runtime) throw new Error("suiteRuntime() is used before its suite's before() ran");
    return runtime;
  };
  return {
    get runtime() {
      return loaded();
    },
    async engine(options) {
      const engine = await LocalEngine.create(options, { runtime: loaded() });
      engines.push(engine);
      return engine;
    },
  };
}
