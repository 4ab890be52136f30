/**
 * Which format a file is in. An explicit choice (`--format`) wins; otherwise:
 * 1. the extension: `.md`, `.markdown`, `.txt`, `.text`, `.trace` → text; `.json`, `.jsonl`, `.ndjson`,
 *    `.jsonlines` → a dataset;
 * 2. for any other extension, the first bytes: `[` or `{` followed by a record that parses as a JSON
 *    object → a dataset, anything else → text;
 * 3. for a dataset, the container comes from the first non-blank character (`[` → JSON list, else
 *    JSONL) and the kind from the first record that parses (the first 8 are tried):
 *    `problem` + `steps` + integer `label` → processbench; `question` object + `label.steps` array →
 *    prm800k; an `input` string containing the step tag → math-shepherd; anything else → jsonl.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { TRACE_FORMATS, type TraceFormat } from "../core/trace";
import { isObject } from "./datasetFields";
import { MATH_SHEPHERD_TAG } from "./mathShepherd";
import { type DatasetContainer, readHead, readRawRecords, sniffContainer } from "./jsonStream";

export type FormatChoice = TraceFormat | "auto";
export const FORMAT_CHOICES: readonly FormatChoice[] = ["auto", ...TRACE_FORMATS];

export function isFormatChoice(value: string): value is FormatChoice {
  return (FORMAT_CHOICES as readonly string[]).includes(value);
}

export interface DetectedFormat {
  format: TraceFormat;
  /** How records are laid out in a dataset file; null for text. */
  container: DatasetContainer | null;
  /** Why: "explicit", "extension .md", "first record has problem/steps/label", … */
  reason: string;
}

export interface DetectOptions {
  format?: FormatChoice;
  /** Math-Shepherd step tag looked for in `input` (default `ки`). */
  stepTag?: string;
  signal?: AbortSignal;
}

const TEXT_EXTENSIONS = new Set([".md", ".markdown", ".txt", ".text", ".trace"]);
const DATASET_EXTENSIONS = new Set([".json", ".jsonl", ".ndjson", ".jsonlines"]);
/** How many leading records are tried when the first ones do not parse. */
const SNIFF_RECORDS = 8;

/** The dataset kind a parsed record looks like. */
export function detectRecordFormat(value: unknown, stepTag: string = MATH_SHEPHERD_TAG): Exclude<TraceFormat, "text"> {
  if (!isObject(value)) return "jsonl";
  if (typeof value.problem === "string" && Array.isArray(value.steps) && Number.isInteger(value.label)) return "processbench";
  if (isObject(value.question) && isObject(value.label) && Array.isArray(value.label.steps)) return "prm800k";
  if (typeof value.input === "string" && value.input.includes(stepTag)) return "math-shepherd";
  return "jsonl";
}

/** Fails with a clear error when `file` is missing or not a regular file. */
export async function checkReadableFile(file: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new StepLensError("no such file.", { file, hint: "Check the path (relative paths start from the current directory).", code: "ENOENT" });
    if (code === "EACCES")
      throw new StepLensError("permission denied.", { file, hint: "Make the file readable, or copy it somewhere you can read.", code: "EACCES" });
    throw new StepLensError(`cannot read the file (${(e as Error).message}).`, { file, code });
  }
  if (!stat.isFile()) throw new StepLensError("not a regular file.", { file, hint: "Give the path of a trace or dataset file, not a folder.", code: "EISDIR" });
}

/** The first record (of the first SNIFF_RECORDS) that parses as a JSON object, or undefined. */
async function firstParsedRecord(file: string, container: DatasetContainer, signal?: AbortSignal): Promise<unknown> {
  let tried = 0;
  try {
    for await (const raw of readRawRecords(file, container, { signal })) {
      try {
        const value: unknown = JSON.parse(raw.text);
        if (isObject(value)) return value;
      } catch {
        // a bad record: the reader reports it later; look at the next one
      }
      if (++tried >= SNIFF_RECORDS) break;
    }
  } catch (e) {
    if (!(e instanceof StepLensError)) throw e;
  }
  return undefined;
}

export async function detectFormat(file: string, options: DetectOptions = {}): Promise<DetectedFormat> {
  await checkReadableFile(file);
  const choice = options.format ?? "auto";
  if (choice === "text") return { format: "text", container: null, reason: "explicit" };
  const ext = path.extname(file).toLowerCase();
  if (choice === "auto" && TEXT_EXTENSIONS.has(ext)) return { format: "text", container: null, reason: `extension ${ext}` };

  const sniffed = sniffContainer(await readHead(file));
  if (choice !== "auto") return { format: choice, container: sniffed ?? "jsonl", reason: "explicit" };

  const knownDataset = DATASET_EXTENSIONS.has(ext);
  if (!sniffed) {
    return knownDataset
      ? { format: "jsonl", container: "jsonl", reason: `extension ${ext} (content does not start with '[' or '{')` }
      : { format: "text", container: null, reason: "content is not JSON" };
  }
  const first = await firstParsedRecord(file, sniffed, options.signal);
  if (first === undefined) {
    return knownDataset
      ? { format: "jsonl", container: sniffed, reason: `extension ${ext} (no record parses)` }
      : { format: "text", container: null, reason: "content is not JSON records" };
  }
  const format = detectRecordFormat(first, options.stepTag);
  return { format, container: sniffed, reason: `first record looks like ${format}` };
}
