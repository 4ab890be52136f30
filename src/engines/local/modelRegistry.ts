/**
 * Loaded models, shared: the same file used by several roles (PRM and verifier, say) is loaded once
 * and disposed when its last user releases it (reference counting). Before loading, the file is
 * checked (exists, GGUF magic) and compared with free memory, so the user gets an error they can act
 * on rather than a crash or swapping. No `vscode` import here.
 */
import fs from "node:fs";
import os from "node:os";
import type { LlamaModel } from "node-llama-cpp";
import type { RunOptions } from "../../core/progress";
import { modelTooLarge } from "../errors";
import type { LlamaRuntime } from "./llamaRuntime";
import { checkGgufFile } from "./modelSource";

export interface MemoryInfo {
  /** Bytes of RAM free for a new model. */
  ramFree: number;
  /** Bytes of GPU memory free, or null on the CPU. */
  vramFree: number | null;
}

export interface ModelRegistryOptions {
  /** Injectable memory probe (tests); default: os.freemem() and the GPU's VRAM state. */
  memory?: () => Promise<MemoryInfo>;
  /** Skip the size-vs-free-memory check. */
  ignoreMemoryCheck?: boolean;
}

export interface ModelLease {
  readonly model: LlamaModel;
  readonly path: string;
  /** Gives the model back; the last release disposes it. Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  refs: number;
  model: Promise<LlamaModel>;
}

export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;

  constructor(
    private readonly runtime: LlamaRuntime,
    private readonly options: ModelRegistryOptions = {},
  ) {}

  /** Paths of the models loaded (or loading) now. */
  get loaded(): string[] {
    return [...this.entries.keys()];
  }

  refCount(file: string): number {
    return this.entries.get(canonical(file))?.refs ?? 0;
  }

  async acquire(file: string, opts: RunOptions = {}): Promise<ModelLease> {
    if (this.disposed) throw new Error("model registry is disposed");
    const key = canonical(file);
    let entry = this.entries.get(key);
    if (!entry) {
      const model = this.load(key, opts);
      entry = { refs: 0, model };
      this.entries.set(key, entry);
      model.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    entry.refs++;
    let model: LlamaModel;
    try {
      model = await entry.model;
    } catch (e) {
      entry.refs--;
      throw e;
    }
    let released = false;
    return {
      model,
      path: key,
      release: async () => {
        if (released) return;
        released = true;
        await this.release(key);
      },
    };
  }

  private async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.refs--;
    if (entry.refs > 0) return;
    this.entries.delete(key);
    const model = await entry.model.catch(() => undefined);
    await model?.dispose();
  }

  private async load(file: string, opts: RunOptions): Promise<LlamaModel> {
    checkGgufFile(file);
    if (!this.options.ignoreMemoryCheck) await this.checkFits(file);
    return this.runtime.llama.loadModel({
      modelPath: file,
      loadSignal: opts.signal,
      onLoadProgress: opts.onProgress ? (p) => opts.onProgress?.({ done: p, total: 1, message: "loading model" }) : undefined,
    });
  }

  private async checkFits(file: string): Promise<void> {
    const bytes = fs.statSync(file).size;
    const mem = await (this.options.memory ?? (() => defaultMemory(this.runtime)))();
    if (mem.vramFree == null) {
      if (bytes > mem.ramFree) throw modelTooLarge(file, bytes, mem.ramFree, "RAM");
    } else if (bytes > mem.vramFree + mem.ramFree) {
      throw modelTooLarge(file, bytes, mem.vramFree + mem.ramFree, "GPU memory and RAM together");
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const models = [...this.entries.values()].map((e) => e.model.catch(() => undefined));
    this.entries.clear();
    for (const m of await Promise.all(models)) await m?.dispose();
  }
}

function canonical(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

async function defaultMemory(runtime: LlamaRuntime): Promise<MemoryInfo> {
  const ramFree = os.freemem();
  if (runtime.device === "cpu") return { ramFree, vramFree: null };
  const vram = await runtime.llama.getVramState();
  return { ramFree, vramFree: vram.free };
}
