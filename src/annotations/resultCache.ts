/**
 * Results cached on disk by content hash, so reopening a trace shows its annotations at once. No
 * `vscode` import: the adapter passes a folder (its workspace storage path).
 *
 * - Keys are sha256 hex digests of everything that changes a result (`scoreCacheKey`: the problem,
 *   the steps, the model, the adapter and the result-changing settings), one file per key:
 *   `<folder>/<key>.json` holding `{"v": 1, "key", "storedAt", "value"}`.
 * - Bounded: at most `maxEntries` files and `maxBytes` bytes; the least recently used go first (use
 *   is kept in the files' modification times, so it survives restarts).
 * - Corruption-tolerant: a file that does not parse, has another version or key, or whose value the
 *   validator rejects is treated as a miss and removed.
 * - Concurrent-safe: a value is written to a temporary file in the same folder and renamed into
 *   place, so readers (in this or another window) see the old file or the new one, never half.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../core/safeFs";

const FORMAT_VERSION = 1;
const KEY = /^[A-Za-z0-9_-]{1,128}$/;
/** Temporary files older than this are leftovers of a crash and are removed. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export interface ResultCacheOptions {
  /** Most entries kept (default 2000). */
  maxEntries?: number;
  /** Most bytes kept (default 64 MiB). */
  maxBytes?: number;
}

export interface ResultCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Bad files found and removed. */
  corrupt: number;
}

/** JSON with object keys sorted at every level (a stable input for hashing). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** sha256 hex of the canonical JSON of `parts`. */
export function contentKey(parts: unknown): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

export interface ScoreKeyInput {
  problem: string;
  steps: readonly string[];
  model: string;
  adapter: string;
  /** Settings that change scores (step tag, label tokens, judge prompt, …); not the threshold, which is applied after. */
  settings?: Record<string, unknown>;
}

/** The cache key of a PRM scoring result. */
export function scoreCacheKey(input: ScoreKeyInput): string {
  return contentKey({ kind: "score", problem: input.problem, steps: input.steps, model: input.model, adapter: input.adapter, settings: input.settings ?? {} });
}

interface Entry {
  bytes: number;
}

export class ResultCache<T> {
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** key → entry, in least-recently-used-first order (a use moves the key to the end). */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private ready: Promise<void> | null = null;
  private counters = { hits: 0, misses: 0, evictions: 0, corrupt: 0 };

  constructor(
    readonly dir: string,
    options: ResultCacheOptions = {},
    private readonly validate: (value: unknown) => value is T = (v): v is T => v !== undefined,
  ) {
    this.maxEntries = options.maxEntries ?? 2000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** The cached value, or undefined (a miss; a bad file is removed). */
  async get(key: string): Promise<T | undefined> {
    checkKey(key);
    await this.init();
    const file = this.fileOf(key);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      this.forget(key);
      this.counters.misses++;
      return undefined;
    }
    const value = this.decode(text, key);
    if (value === undefined) {
      this.counters.corrupt++;
      this.counters.misses++;
      this.forget(key);
      await fs.rm(file, { force: true });
      return undefined;
    }
    this.counters.hits++;
    this.touch(key, Buffer.byteLength(text));
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => undefined); // the LRU order survives restarts
    return value;
  }

  /** Stores `value` under `key` (atomically), then evicts least recently used entries beyond the bounds. */
  async put(key: string, value: T): Promise<void> {
    checkKey(key);
    await this.init();
    const text = JSON.stringify({ v: FORMAT_VERSION, key, storedAt: new Date().toISOString(), value });
    const bytes = Buffer.byteLength(text);
    if (bytes > this.maxBytes) return; // would evict everything else and still not fit
    // Atomic (temp + rename) and never through a link or outside the cache folder: src/core/safeFs.ts.
    writeFileAtomic(this.fileOf(key), this.dir, text, { fsync: false });
    this.touch(key, bytes);
    await this.evict(key);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.init();
    this.forget(key);
    await fs.rm(this.fileOf(key), { force: true });
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    await this.init();
    const keys = [...this.entries.keys()];
    for (const key of keys) this.forget(key);
    await Promise.all(keys.map((k) => fs.rm(this.fileOf(k), { force: true })));
  }

  stats(): ResultCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counters };
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private decode(text: string, key: string): T | undefined {
    try {
      const o = JSON.parse(text) as { v?: unknown; key?: unknown; value?: unknown };
      if (!o || typeof o !== "object" || o.v !== FORMAT_VERSION || o.key !== key) return undefined;
      return this.validate(o.value) ? o.value : undefined;
    } catch {
      return undefined;
    }
  }

  private touch(key: string, bytes: number): void {
    this.forget(key);
    this.entries.set(key, { bytes });
    this.bytes += bytes;
  }

  private forget(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }

  private async evict(keep: string): Promise<void> {
    const victims: string[] = [];
    for (const key of this.entries.keys()) {
      if (this.entries.size - victims.length <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (key === keep) continue;
      victims.push(key);
      this.bytes -= this.entries.get(key)!.bytes;
    }
    for (const key of victims) {
      this.entries.delete(key);
      this.counters.evictions++;
    }
    await Promise.all(victims.map((k) => fs.rm(this.fileOf(k), { force: true })));
  }

  /** Scans the folder once: existing entries in modification-time order, stale temp files removed. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      let names: string[];
      try {
        names = await fs.readdir(this.dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw e;
      }
      const found: { key: string; bytes: number; mtime: number }[] = [];
      const now = Date.now();
      await Promise.all(
        names.map(async (name) => {
          const file = path.join(this.dir, name);
          const stat = await fs.stat(file).catch(() => null);
          if (!stat?.isFile()) return;
          if (name.endsWith(".tmp")) {
            if (now - stat.mtimeMs > STALE_TEMP_MS) await fs.rm(file, { force: true });
            return;
          }
          const key = name.endsWith(".json") ? name.slice(0, -5) : "";
          if (KEY.test(key)) found.push({ key, bytes: stat.size, mtime: stat.mtimeMs });
        }),
      );
      found.sort((a, b) => a.mtime - b.mtime || (a.key < b.key ? -1 : 1));
      for (const f of found) this.touch(f.key, f.bytes);
      if (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) await this.evict("");
    })().catch((e: unknown) => {
      this.ready = null; // try again next time
      throw e;
    });
    return this.ready;
  }
}

function checkKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)} (letters, digits, '-' and '_' only)`);
}
