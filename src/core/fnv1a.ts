/**
 * FNV-1a, 32-bit: the one small non-cryptographic string hash of StepLens. Two inputs, two uses:
 * - `fnv1aUtf8` hashes the UTF-8 bytes: the same value on every machine and Node version, for values
 *   that are stored or shared (synthesis shards, src/synthesis/ids.ts);
 * - `fnv1aUtf16` hashes UTF-16 code units without encoding: faster, for in-memory tables
 *   (src/datasets/datasetIndex.ts) and seeds. The two agree on ASCII text.
 * Both return a non-negative 32-bit integer. No `vscode` import.
 */

const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;

/** FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1aUtf8(text: string): number {
  let h = OFFSET_BASIS;
  for (const byte of Buffer.from(text, "utf8")) {
    h ^= byte;
    h = Math.imul(h, PRIME) >>> 0;
  }
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`. */
export function fnv1aUtf16(text: string): number {
  let h = OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, PRIME);
  }
  return h >>> 0;
}
