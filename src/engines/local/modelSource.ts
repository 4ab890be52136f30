/**
 * Where model files come from: a local path, an `hf:` URI (downloaded once into the model cache,
 * with progress, resumed when interrupted), or a preset name (its URI). Offline, the error says what
 * to download and where to put it. No `vscode` import here.
 *
 * Cache folder: the setting (steplens.local.modelCacheDir), else $STEPLENS_MODEL_CACHE, else
 * ~/.cache/steplens/models. Downloads use node-llama-cpp's downloader (`createModelDownloader`),
 * which keeps a partial `.ipull` file and resumes it on the next attempt.
 */
import dns from "node:dns/promises";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CancelledError, throwIfAborted } from "../../core/errors";
import type { RunOptions } from "../../core/progress";
import { downloadFailed, modelFileMissing, modelNotGguf, modelOffline, needsEndpoint, unknownModel } from "../errors";
import { findPreset, presetNames, type ModelPreset } from "../presets";
import { loadNodeLlamaCpp, type NodeLlamaCpp } from "./llamaRuntime";

export const GGUF_MAGIC = "GGUF";

export type ModelSpec = { kind: "path"; path: string } | { kind: "hf"; uri: string } | { kind: "preset"; preset: ModelPreset };

export interface ModelSourceOptions extends RunOptions {
  /** steplens.local.modelCacheDir (empty: default). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Injectable module loader (tests); default: the real node-llama-cpp. */
  load?: () => Promise<NodeLlamaCpp>;
}

export function defaultModelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "steplens", "models");
}

export function modelCacheDir(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (setting && setting.trim()) return path.resolve(expandHome(setting.trim()));
  if (env.STEPLENS_MODEL_CACHE) return path.resolve(expandHome(env.STEPLENS_MODEL_CACHE));
  return defaultModelCacheDir(env);
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Classifies a model setting: `hf:` URI, preset name, or a path. */
export function parseModelSpec(spec: string): ModelSpec {
  const s = spec.trim();
  if (/^hf:/i.test(s)) return { kind: "hf", uri: s };
  const preset = findPreset(s);
  if (preset && !looksLikePath(s)) return { kind: "preset", preset };
  return { kind: "path", path: path.resolve(expandHome(s)) };
}

function looksLikePath(s: string): boolean {
  return s.includes("/") || s.includes("\\") || /\.gguf$/i.test(s);
}

/** `hf:user/repo/dir/file.gguf` → the parts; `hf:user/repo:quant` has no file name. */
export function parseHfUri(uri: string): { user: string; repo: string; file?: string; branch?: string } | null {
  const m = /^hf:([^/\s]+)\/([^/:\s#]+)(?::([^/\s#]+))?(?:\/([^#\s]+))?(?:#(\S+))?$/i.exec(uri.trim());
  if (!m) return null;
  const [, user, repo, , file, branch] = m;
  if (user === undefined || repo === undefined) throw new Error(`internal: parseHfUri matched ${uri} without its user or repo group`); // both groups are required
  return { user, repo, file, branch };
}

/** Where node-llama-cpp stores an `hf:user/repo/file.gguf` download, and the browser URL of the file. */
export function hfDownloadTarget(uri: string, env: NodeJS.ProcessEnv = process.env): { fileName?: string; url?: string } {
  const p = parseHfUri(uri);
  if (!p || !p.file) return {};
  const base = path.posix.basename(p.file);
  return {
    fileName: `hf_${p.user}_${base}`,
    url: `${huggingFaceEndpoint(env)}/${p.user}/${p.repo}/resolve/${p.branch ?? "main"}/${p.file}`,
  };
}

function huggingFaceEndpoint(env: NodeJS.ProcessEnv): string {
  return (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
}

/** Throws an actionable error unless `file` exists and starts with the GGUF magic bytes. */
export function checkGgufFile(file: string): void {
  let fd: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw modelFileMissing(file);
    fd = fs.openSync(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") throw modelFileMissing(file);
    throw e;
  }
  try {
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    if (n < 4 || head.toString("latin1") !== GGUF_MAGIC) throw modelNotGguf(file, head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** The cached file of an `hf:` URI, or null (never touches the network). */
export async function cachedModelFile(uri: string, dir: string, load: () => Promise<NodeLlamaCpp> = loadNodeLlamaCpp): Promise<string | null> {
  const target = hfDownloadTarget(uri);
  if (target.fileName) {
    const f = path.join(dir, target.fileName);
    if (fs.existsSync(f)) return f;
  }
  if (!fs.existsSync(dir)) return null;
  const lib = await load();
  try {
    return await lib.resolveModelFile(uri, { directory: dir, download: false, cli: false });
  } catch {
    return null;
  }
}

/** GGUF files in the cache folder (finished downloads only). */
export function listCachedModels(dir: string): { file: string; bytes: number }[] {
  // The cache's own GGUF files and those one folder down (the generated demo model lives in demo/); links are not followed.
  const found: { file: string; bytes: number }[] = [];
  const scan = (folder: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const file = path.join(folder, e.name);
      if (e.isFile() && /\.gguf$/i.test(e.name)) found.push({ file, bytes: fs.statSync(file).size });
      else if (e.isDirectory() && depth > 0) scan(file, depth - 1);
    }
  };
  scan(dir, 1);
  return found.sort((a, b) => a.file.localeCompare(b.file));
}

/** Fails fast (DNS) when the Hugging Face endpoint cannot be reached; node-llama-cpp would retry for minutes. */
async function assertReachable(uri: string, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const target = hfDownloadTarget(uri, env);
  if (env.STEPLENS_OFFLINE === "1") throw modelOffline(uri, dir, target.fileName, target.url, new Error("STEPLENS_OFFLINE=1"));
  const host = new URL(huggingFaceEndpoint(env)).hostname;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dns.lookup(host),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no DNS answer for ${host} within 5 s`)), 5000);
      }),
    ]);
  } catch (e) {
    const cause = e instanceof Error && (e as NodeJS.ErrnoException).code ? new Error(`${host}: ${(e as NodeJS.ErrnoException).code}`) : e;
    throw modelOffline(uri, dir, target.fileName, target.url, cause);
  } finally {
    clearTimeout(timer);
  }
}

/** Downloads (or resumes) an `hf:` URI into the cache folder; returns the file. */
export async function downloadModel(uri: string, opts: ModelSourceOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const dir = modelCacheDir(opts.cacheDir, env);
  const cached = await cachedModelFile(uri, dir, opts.load);
  if (cached) return cached;
  throwIfAborted(opts.signal);
  await assertReachable(uri, dir, env);
  fs.mkdirSync(dir, { recursive: true });
  const lib = await (opts.load ?? loadNodeLlamaCpp)();
  const endpoints = env.HF_ENDPOINT ? { huggingFace: huggingFaceEndpoint(env) } : undefined;
  const name = path.posix.basename(parseHfUri(uri)?.file ?? uri);
  try {
    const downloader = await lib.createModelDownloader({
      modelUri: uri,
      dirPath: dir,
      showCliProgress: false,
      skipExisting: true,
      deleteTempFileOnCancel: false, // keep the partial file: the next attempt resumes it
      endpoints,
      tokens: env.HF_TOKEN ? { huggingFace: env.HF_TOKEN } : undefined,
      onProgress: ({ totalSize, downloadedSize }) => opts.onProgress?.({ done: downloadedSize, total: totalSize || undefined, message: `downloading ${name}` }),
    });
    const file = await downloader.download({ signal: opts.signal });
    checkGgufFile(file);
    return file;
  } catch (e) {
    if (opts.signal?.aborted) throw new CancelledError("download cancelled (run again to resume)");
    if (e instanceof Error && e.name === "StepLensError") throw e;
    throw downloadFailed(uri, dir, e);
  }
}

export interface ResolvedModel {
  /** Absolute path of a checked GGUF file. */
  path: string;
  /** The setting as given (path, URI or preset name). */
  spec: string;
  preset?: ModelPreset;
}

/**
 * Resolves a model setting to a checked local GGUF file, downloading an `hf:` URI or preset when it
 * is not cached yet. Presets that need an endpoint throw `needsEndpoint`.
 */
export async function resolveModel(spec: string, opts: ModelSourceOptions = {}): Promise<ResolvedModel> {
  const parsed = parseModelSpec(spec);
  if (parsed.kind === "path") {
    if (!fs.existsSync(parsed.path) && !looksLikePath(spec.trim())) throw unknownModel(spec, presetNames());
    checkGgufFile(parsed.path);
    return { path: parsed.path, spec };
  }
  if (parsed.kind === "hf") return { path: await downloadModel(parsed.uri, opts), spec };
  const preset = parsed.preset;
  assertRunsLocally(preset);
  if (!preset.uri) throw unknownModel(`${spec} (no published GGUF: ${preset.conversion ?? "pass a file with --model"})`, presetNames());
  return { path: await downloadModel(preset.uri, opts), spec, preset };
}

export function assertRunsLocally(preset: ModelPreset): void {
  if (preset.runtime === "endpoint") throw needsEndpoint(preset.name, preset.endpointReason ?? "it needs a runtime the local engine lacks");
}
