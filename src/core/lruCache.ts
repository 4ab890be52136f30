/**
 * A bounded in-memory cache that drops the least recently used entry first: the one cache policy for
 * StepLens's memory caches (compiled grammars, dataset filter results, …). A Map keeps insertion
 * order; a hit is re-inserted, so the first key is always the least recently used. The on-disk
 * result cache (src/annotations/resultCache.ts) keeps its own, byte-bounded policy. No `vscode` import.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  /** `maxEntries` is at least 1. */
  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores `value` as the most recently used, then drops the least recently used beyond the bound. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    const limit = Math.max(1, this.maxEntries);
    while (this.entries.size > limit) this.entries.delete(this.entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
