/** Helpers shared by the dataset-format tests (not a test file itself). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readTraces, type ReadTracesOptions, type TraceRecordResult } from "../../src/formats/records";
import { processBenchDir, repoRoot } from "../support/repo";

export { repoRoot };

export const FIXTURES = () => path.join(repoRoot(), "test/fixtures/datasets");
export const PROCESSBENCH_DIR = processBenchDir();

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A temp folder removed by `cleanup()`; `file(name, content)` writes into it and returns the path. */
export function tempDir(prefix = "steplens-formats-") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file(name: string, content: string | Buffer): string {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content);
      return p;
    },
    cleanup(): void {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function readAll(file: string, options: ReadTracesOptions = {}): Promise<TraceRecordResult[]> {
  return collect(readTraces(file, options));
}

/** The traces of successful results (asserting nothing failed is the caller's business). */
export function traces(results: TraceRecordResult[]) {
  return results.flatMap((r) => (r.ok ? [r.trace] : []));
}

export function failures(results: TraceRecordResult[]) {
  return results.flatMap((r) => (r.ok ? [] : [r]));
}

export function jsonl(records: unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/**
 * A reader's bookkeeping as one line to compare: per result "ok" or "bad", "#" its record index and
 * "@" the line it starts on ("ok#0@1 bad#1@2 ok#2@4"): which records were read, which failed, where.
 */
export function outcomes(results: TraceRecordResult[]): string {
  return results.map((r) => `${r.ok ? "ok" : "bad"}#${r.record}@${r.line}`).join(" ");
}

/** As outcomes() without the record indices ("ok@1 bad@2"). */
export function lineOutcomes(results: TraceRecordResult[]): string {
  return results.map((r) => `${r.ok ? "ok" : "bad"}@${r.line}`).join(" ");
}

/**
 * Runs `body` with a fresh temp folder (tempDir) and removes the folder when it returns, throws, or
 * (for an async body) settles.
 */
export function withTempDir<T>(body: (tmp: ReturnType<typeof tempDir>) => T, prefix?: string): T {
  const tmp = tempDir(prefix);
  let result: T;
  try {
    result = body(tmp);
  } catch (e) {
    tmp.cleanup();
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => tmp.cleanup()) as T;
  tmp.cleanup();
  return result;
}
