/**
 * ProcessBench the way a user gets it: the dataset's four JSON files from the Hugging Face Hub
 * (`Qwen/ProcessBench`, Apache-2.0) into the StepLens cache, once. Each file is fetched into a
 * `.part` file that a later run resumes with an HTTP Range request, checked to be a JSON list of
 * ProcessBench records, then renamed into place, so the cache never holds a torn file. Without a
 * network the error says so and how to point `--data` at a copy. No `vscode` import.
 *
 * `HF_ENDPOINT` (the Hub's own variable) replaces https://huggingface.co (mirrors, tests);
 * `STEPLENS_OFFLINE=1` refuses any download; `HF_TOKEN` is sent when set.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CancelledError, StepLensError, throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import { PROCESSBENCH_SUBSETS } from "./processbenchMetric";

export const PROCESSBENCH_REPO = "Qwen/ProcessBench";

export interface ProcessBenchDownloadOptions extends RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder the subsets are kept in (default: the StepLens cache's datasets/processbench). */
  dir?: string;
  /** Subsets to fetch (default all four). */
  subsets?: readonly string[];
  /** Per-request timeout before the first byte, in ms (default 30 s). */
  timeoutMs?: number;
}

/** The StepLens cache root: $STEPLENS_CACHE, else $XDG_CACHE_HOME/steplens, else ~/.cache/steplens. */
export function stepLensCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEPLENS_CACHE) return path.resolve(env.STEPLENS_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "steplens");
}

export function processBenchCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stepLensCacheDir(env), "datasets", "processbench");
}

/** The download address of one subset file. */
export function processBenchUrl(subset: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
  return `${base}/datasets/${PROCESSBENCH_REPO}/resolve/main/${subset}.json`;
}

function offlineError(url: string, dir: string, cause: string): StepLensError {
  return new StepLensError(`cannot download ProcessBench (${cause})`, {
    file: url,
    hint: `This machine cannot reach the Hugging Face Hub. Download the four files (${PROCESSBENCH_SUBSETS.map((s) => `${s}.json`).join(", ")}) of the dataset ${PROCESSBENCH_REPO} elsewhere, then pass --data <folder>, or copy them into ${dir}. HF_ENDPOINT points at a mirror.`,
    code: "dataset-offline",
  });
}

/** A downloaded file must be a JSON list whose first record has ProcessBench's fields. */
function checkSubsetFile(file: string, url: string): void {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new StepLensError(`the downloaded file is not JSON (${(e as Error).message})`, {
      file: url,
      hint: "Run again (the file is fetched anew); check HF_ENDPOINT if you use a mirror.",
      code: "dataset-corrupt",
    });
  }
  const first = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : undefined;
  if (!first || typeof first.problem !== "string" || !Array.isArray(first.steps) || typeof first.label !== "number")
    throw new StepLensError("the downloaded file is not a ProcessBench subset (a JSON list of {id, problem, steps, label})", {
      file: url,
      hint: "Check HF_ENDPOINT if you use a mirror.",
      code: "dataset-corrupt",
    });
}

async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function causeOf(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message ?? String(e);
}

/** Fetches one subset into `dir` (resuming a `.part` file); returns the final path. */
async function downloadSubset(
  subset: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  opts: ProcessBenchDownloadOptions,
  report: (bytes: number, total?: number) => void,
): Promise<string> {
  const file = path.join(dir, `${subset}.json`);
  const part = `${file}.part`;
  const url = processBenchUrl(subset, env);
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const headers: Record<string, string> = { "user-agent": "steplens" };
  if (have > 0) headers.range = `bytes=${have}-`;
  if (env.HF_TOKEN) headers.authorization = `Bearer ${env.HF_TOKEN}`;
  let res: Response;
  try {
    res = await fetchWithTimeout(url, { headers, redirect: "follow" }, opts.timeoutMs ?? 30_000, opts.signal);
  } catch (e) {
    if (opts.signal?.aborted) throw new CancelledError("download cancelled (run again to resume)");
    throw offlineError(url, dir, causeOf(e));
  }
  if (res.status === 416 && have > 0) {
    // The part file already holds everything (the last run stopped before the rename).
    await res.body?.cancel();
  } else if (!res.ok) {
    await res.body?.cancel();
    throw new StepLensError(`the Hub answered ${res.status} ${res.statusText}`, {
      file: url,
      hint:
        res.status === 401 || res.status === 403
          ? "Set HF_TOKEN if your Hub account needs one."
          : `Check that ${PROCESSBENCH_REPO} is reachable (HF_ENDPOINT for a mirror).`,
      code: "dataset-download",
    });
  } else {
    const resumed = res.status === 206;
    const length = Number(res.headers.get("content-length")) || undefined;
    const total = length !== undefined ? length + (resumed ? have : 0) : undefined;
    const out = fs.openSync(part, resumed ? "a" : "w");
    let done = resumed ? have : 0;
    report(done, total);
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        fs.writeSync(out, value);
        done += value.byteLength;
        report(done, total);
      }
      fs.fsyncSync(out);
    } catch (e) {
      if (opts.signal?.aborted) throw new CancelledError("download cancelled (run again to resume)");
      throw offlineError(url, dir, `interrupted after ${done} bytes: ${causeOf(e)}; run again to resume`);
    } finally {
      fs.closeSync(out);
    }
  }
  try {
    checkSubsetFile(part, url);
  } catch (e) {
    fs.rmSync(part, { force: true }); // a bad file is fetched anew next time, never resumed
    throw e;
  }
  fs.renameSync(part, file);
  return file;
}

/**
 * The ProcessBench folder, downloading what is missing. Returns the folder; files already there are
 * used as they are.
 */
export async function ensureProcessBench(opts: ProcessBenchDownloadOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? processBenchCacheDir(env);
  const subsets = opts.subsets ?? PROCESSBENCH_SUBSETS;
  const missing = subsets.filter((s) => !fs.existsSync(path.join(dir, `${s}.json`)));
  if (!missing.length) return dir;
  if (env.STEPLENS_OFFLINE === "1") throw offlineError(processBenchUrl(missing[0]!, env), dir, "STEPLENS_OFFLINE=1");
  fs.mkdirSync(dir, { recursive: true });
  let finished = 0;
  for (const [i, subset] of missing.entries()) {
    throwIfAborted(opts.signal);
    await downloadSubset(subset, dir, env, opts, (bytes, total) =>
      opts.onProgress?.({
        done: finished + bytes,
        total: total !== undefined ? finished + total : undefined,
        message: `${subset}.json (${i + 1} of ${missing.length})`,
      }),
    );
    finished += fs.statSync(path.join(dir, `${subset}.json`)).size;
  }
  return dir;
}
