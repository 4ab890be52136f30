/**
 * Column storage helpers for the indexes that keep one typed array per field (datasets, reward
 * logs). No `vscode` import here.
 */
export type NumberColumn = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

/** A copy of `a` with room for `n` entries (the same element type; the new tail is zero). */
export function growColumn<T extends NumberColumn>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
