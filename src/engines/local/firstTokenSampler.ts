/**
 * Sampling one token from a full logits map with a seeded generator, the way llama.cpp's chain of
 * temperature → top-p does it. Used for the first token of a rollout that starts from a forked
 * prefix: the fork copies the KV cache but not the logits of the prefix's last position, so those
 * logits are read once while the trace is evaluated and each rollout samples its first token here
 * (with its own seed); the native sampler takes over from the second token. No `vscode` import.
 */

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A token drawn from `logits`: the largest one when temperature ≤ 0 (ties: the smallest id);
 * otherwise softmax(logit / temperature), cut to the smallest set of most likely tokens whose mass
 * reaches `topP` (1: no cut), renormalised, and sampled with `random()`.
 */
export function sampleFromLogits(logits: ReadonlyMap<number, number>, temperature: number, topP: number, random: () => number): number {
  const entries = [...logits.entries()].filter(([, l]) => Number.isFinite(l));
  entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const [best] = entries;
  if (best === undefined) throw new Error("no finite logits to sample from");
  if (!(temperature > 0)) return best[0];
  const max = best[1];
  const weights = entries.map(([, l]) => Math.exp((l - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let keep = weights.length;
  if (topP < 1) {
    let mass = 0;
    let counted = 0;
    for (const w of weights) {
      mass += w / total;
      counted++;
      if (mass >= topP) {
        keep = counted;
        break;
      }
    }
  }
  const kept = weights.slice(0, keep).reduce((a, b) => a + b, 0);
  let u = random() * kept;
  // keep ≤ weights.length === entries.length (weights is entries.map), so both reads are in range.
  let last = best;
  for (let i = 0; i < keep; i++) {
    const entry = entries[i];
    const w = weights[i];
    if (entry === undefined || w === undefined) throw new Error(`internal: sampleFromLogits read weight ${i} of ${weights.length} (keep ${keep})`);
    u -= w;
    if (u < 0) return entry[0];
    last = entry;
  }
  return last[0];
}
