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
