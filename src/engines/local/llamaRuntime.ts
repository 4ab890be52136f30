/**
 * The one place node-llama-cpp is loaded (`await import()`: it is ESM-only with top-level await and
 * must stay a real node_module, never bundled) and the one place `getLlama` is called.
 *
 * - `build: "never"`: a missing binary is an error we explain, never a silent minutes-long source build.
 * - `maxThreads`: the setting, or cores − 1 (node-llama-cpp's default, max(4, cores), makes CPU runs
 *   30–1000× slower on small machines).
 * - GPU asked for but absent: falls back to the CPU with a warning (`onWarning`).
 * No `vscode` import here.
 */
import os from "node:os";
import type { Llama, LlamaLogLevel } from "node-llama-cpp";
import type { GpuSetting } from "../../config";
import { resolveMaxThreads } from "../../config";
import { gpuUnavailableWarning, noBinary } from "../errors";

export type NodeLlamaCpp = typeof import("node-llama-cpp");
export type Device = "cuda" | "vulkan" | "metal" | "cpu";

let modulePromise: Promise<NodeLlamaCpp> | undefined;

/** Loads node-llama-cpp once per process. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  modulePromise ??= import("node-llama-cpp").catch((e: unknown) => {
    modulePromise = undefined;
    throw noBinary(process.platform, process.arch, "module", e);
  });
  return modulePromise;
}

export interface LlamaRuntimeOptions {
  gpu: GpuSetting;
  /** Setting value: 0 means cores − 1 (at least 1). */
  maxThreads: number;
  /** Warnings a user should see (GPU fallback). Default: none reported. */
  onWarning?: (message: string) => void;
  /** llama.cpp log level (default "error": the CLI and the extension report problems themselves). */
  logLevel?: `${LlamaLogLevel}`;
}

export interface LlamaRuntime {
  readonly lib: NodeLlamaCpp;
  readonly llama: Llama;
  readonly device: Device;
  readonly threads: number;
  /** The GPU setting that was asked for. */
  readonly requestedGpu: GpuSetting;
  readonly warnings: readonly string[];
  dispose(): Promise<void>;
}

/** For tests of the error paths: swap the module loader. */
export interface RuntimeDeps {
  load?: () => Promise<NodeLlamaCpp>;
  cores?: number;
}

function toDevice(gpu: Llama["gpu"]): Device {
  return gpu === false ? "cpu" : gpu;
}

export async function createLlamaRuntime(options: LlamaRuntimeOptions, deps: RuntimeDeps = {}): Promise<LlamaRuntime> {
  const lib = await (deps.load ?? loadNodeLlamaCpp)();
  const threads = resolveMaxThreads(options.maxThreads, deps.cores ?? os.cpus().length);
  const logLevel = (options.logLevel ?? "error") as LlamaLogLevel;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const open = (gpu: "auto" | "cuda" | "vulkan" | "metal" | false) =>
    lib.getLlama({ build: "never", gpu, maxThreads: threads, logLevel, progressLogs: false, skipDownload: true });

  const asked = options.gpu;
  let llama: Llama;
  if (asked === "off") {
    llama = await open(false).catch((e: unknown) => {
      throw noBinary(process.platform, process.arch, "off", e);
    });
  } else if (asked === "auto") {
    llama = await open("auto")
      .catch(() => open(false))
      .catch((e: unknown) => {
        throw noBinary(process.platform, process.arch, "auto", e);
      });
  } else {
    try {
      llama = await open(asked);
    } catch {
      llama = await open(false).catch((e: unknown) => {
        throw noBinary(process.platform, process.arch, asked, e);
      });
    }
    // A specific GPU was asked for and we ended up elsewhere (no binary, no device, or e.g. metal off macOS).
    if (llama.gpu !== asked) warn(gpuUnavailableWarning(asked, threads));
  }
  return {
    lib,
    llama,
    device: toDevice(llama.gpu),
    threads,
    requestedGpu: asked,
    warnings,
    dispose: () => llama.dispose(),
  };
}
