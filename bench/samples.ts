/**
 * Helpers the TypeScript benches share for reading their samples and results by index, so that a
 * missing sample fails with a named error instead of a NaN in the figures or a TypeError.
 */

/** The median the benches report: the middle of the sorted samples (of two middles, the upper one). */
export function median(xs: readonly number[]): number {
  const m = [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (m === undefined) throw new Error("median of no samples");
  return m;
}

/** `xs[i]`, or an error naming `what` when there is no such item. */
export function itemAt<T>(xs: readonly T[], i: number, what: string): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no ${what} at index ${i} (of ${xs.length})`);
  return x;
}
