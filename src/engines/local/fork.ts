/**
 * Forking a cached prefix into another sequence (for Monte Carlo rollouts and parallel samples),
 * behind ONE function: `forkPrefix(source, target, length)`.
 *
 * Choice: node-llama-cpp's internal `_copyStateFromOtherSequence(other, upToIndex)`.
 * - It is llama.cpp's `llama_memory_seq_cp` inside the same context: for the unified KV cache the
 *   cells are tagged with the new sequence id, nothing is copied, it stays in VRAM on a GPU, and it
 *   costs microseconds regardless of model size.
 * - The public alternative, `saveStateToFile` + `loadStateFromFile(path, {acceptRisk: true})`,
 *   writes the whole KV state to disk and reads it back: fine for tiny models, but for a 7B model
 *   at 2k tokens that is hundreds of MB per fork, and it round-trips GPU memory through the disk.
 * - The internal method is what node-llama-cpp's own LlamaDecisionContext uses, so it is kept
 *   working; it is untyped and could change: it is feature-detected, and when absent (or when it
 *   reports failure) the public state-file route is used instead. Tests run both routes.
 * No `vscode` import.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LlamaContextSequence } from "node-llama-cpp";

export type ForkStrategy = "copy" | "state-file";

export interface ForkResult {
  strategy: ForkStrategy;
  /** Tokens the target holds afterwards (= length). */
  tokens: number;
}

interface InternalSequence {
  _copyStateFromOtherSequence?: (other: LlamaContextSequence, upToTokenIndex: number) => Promise<boolean>;
}

let forkFileCounter = 0;

/**
 * Makes `target` hold exactly the first `length` tokens of `source` (KV state included), without
 * evaluating them again. Both sequences must belong to the same context. `source` is unchanged.
 */
export async function forkPrefix(
  source: LlamaContextSequence,
  target: LlamaContextSequence,
  length: number,
  options: { strategy?: ForkStrategy } = {},
): Promise<ForkResult> {
  if (source === target) throw new Error("cannot fork a sequence into itself");
  if (source.context !== target.context) throw new Error("forkPrefix needs two sequences of the same context");
  if (length > source.nextTokenIndex) throw new Error(`cannot fork ${length} tokens: the source holds ${source.nextTokenIndex}`);
  const copy = (target as unknown as InternalSequence)._copyStateFromOtherSequence;
  if ((options.strategy ?? "copy") === "copy" && typeof copy === "function") {
    const ok = await copy.call(target, source, length);
    if (ok && target.nextTokenIndex === length) return { strategy: "copy", tokens: length };
  }
  await viaStateFile(source, target, length);
  return { strategy: "state-file", tokens: length };
}

async function viaStateFile(source: LlamaContextSequence, target: LlamaContextSequence, length: number): Promise<void> {
  const file = path.join(os.tmpdir(), `steplens-fork-${process.pid}-${++forkFileCounter}.bin`);
  try {
    await source.saveStateToFile(file);
    await target.loadStateFromFile(file, { acceptRisk: true });
  } finally {
    fs.rmSync(file, { force: true });
  }
  if (target.nextTokenIndex > length) await target.eraseContextTokenRanges([{ start: length, end: target.nextTokenIndex }]);
}
