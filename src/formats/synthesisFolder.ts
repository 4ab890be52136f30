/**
 * The files of a `steplens synthesize` folder (layout in docs/synthesis.md) and the tolerant line
 * reader for them: a folder may be written to while it is read, so a last line without its line
 * break is a record still being written and is ignored; other bad lines are reported (file:line)
 * and skipped. Shared by the export (src/export/synthesisSolutions.ts) and the Datasets view
 * (src/datasets/synthesisRecords.ts): it lives below both. No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError, throwIfAborted } from "../core/errors";
import { isObject } from "./datasetFields";

export interface JsonLinesOptions {
  /** Told about each bad line (the others are read). */
  onProblem?: (e: StepLensError) => void;
  signal?: AbortSignal;
}

export const SYNTHESIS_FILES = {
  manifest: "manifest.json",
  solutions: "solutions.jsonl",
  verifications: "verifications.jsonl",
  labels: "labels.jsonl",
} as const;

/** True when `dir` is a folder holding a synthesis manifest or solutions file. */
export function isSynthesisFolder(dir: string): boolean {
  try {
    if (!fs.statSync(dir).isDirectory()) return false;
  } catch {
    return false;
  }
  return fs.existsSync(path.join(dir, SYNTHESIS_FILES.manifest)) || fs.existsSync(path.join(dir, SYNTHESIS_FILES.solutions));
}

export type JsonRecord = Record<string, unknown>;

/**
 * Streams the complete JSON object lines of `file` (a missing file has none). A last line without a
 * line break is ignored (being written); other bad lines go to `onProblem`.
 */
export async function* jsonLines(file: string, opts: JsonLinesOptions = {}): AsyncGenerator<{ value: JsonRecord; line: number }> {
  try {
    await fs.promises.access(file);
  } catch {
    return;
  }
  const stream = fs.createReadStream(file, { encoding: "utf8" });
  let rest = "";
  let line = 0;
  const parse = (text: string, at: number) => {
    if (!text.trim()) return null;
    try {
      const value: unknown = JSON.parse(text);
      if (isObject(value)) return value;
      opts.onProblem?.(new StepLensError("a record must be a JSON object.", { file, line: at, hint: "The line is skipped.", code: "bad-record" }));
    } catch (e) {
      opts.onProblem?.(
        new StepLensError(`not valid JSON (${(e as Error).message}).`, { file, line: at, hint: "The line is skipped; the others are read.", code: "bad-json" }),
      );
    }
    return null;
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    throwIfAborted(opts.signal);
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const text = rest.slice(0, nl).replace(/\r$/, "");
      rest = rest.slice(nl + 1);
      line++;
      const value = parse(text, line);
      if (value) yield { value, line };
    }
  }
  // `rest` is a torn last line (a writer was interrupted, or is writing it now): never a record.
}
