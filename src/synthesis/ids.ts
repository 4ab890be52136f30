/**
 * Record ids of a synthesis folder, stable across runs with the same settings: derived from the
 * problem id, the solution's sample index and the verification index (0-based). Also the
 * deterministic shard of a problem. No `vscode` import.
 */
import { fnv1aUtf8 } from "../core/fnv1a";

export function solutionId(problemId: string, sample: number): string {
  return `${problemId}#s${sample}`;
}

export function verificationId(problemId: string, sample: number, verification: number): string {
  return `${solutionId(problemId, sample)}#v${verification}`;
}

/** FNV-1a (32-bit) over the UTF-8 bytes: the same value on every machine and Node version. */
export const fnv1a = fnv1aUtf8;

export interface Shard {
  /** 0-based shard index, below `count`. */
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** The shard a problem belongs to: its id's hash modulo the shard count (so reordering the file does not move problems). */
export function shardOf(problemId: string, count: number): number {
  return count <= 1 ? 0 : fnv1a(problemId) % count;
}

/** Parses `i/n` (0 ≤ i < n); null when malformed. */
export function parseShard(text: string): Shard | null {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) return null;
  return { index, count };
}
