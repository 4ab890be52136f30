/**
 * A scalar PRM's ProcessBench prediction and the threshold search the paper uses (pick the threshold
 * that maximises F1 on GSM8K, apply it to the other subsets).
 * - prediction: the first step whose score is below the threshold, else -1;
 * - candidates: one threshold below every observed score (flags nothing), one halfway between each
 *   pair of consecutive distinct observed scores, one above every score (flags the first step of
 *   every trace) — every distinct behaviour is tried once;
 * - F1 ties go to the lowest threshold (the one that flags fewest steps).
 */
import { f1Of } from "./processbenchMetric";

export function firstBelow(scores: readonly number[], threshold: number): number {
  for (const [i, s] of scores.entries()) if (s < threshold) return i;
  return -1;
}

export interface ScoredItem {
  label: number;
  scores: readonly number[];
}

export interface TunedThreshold {
  threshold: number;
  /** Percentages on the items it was tuned on. */
  f1: number;
  accError: number | null;
  accCorrect: number | null;
  candidates: number;
}

export function thresholdCandidates(items: readonly ScoredItem[]): number[] {
  const values = [...new Set(items.flatMap((it) => it.scores))].sort((a, b) => a - b);
  const [first, ...rest] = values;
  if (first === undefined) return [0.5];
  const out = [first - 1e-6];
  let previous = first;
  for (const v of rest) {
    out.push((previous + v) / 2);
    previous = v;
  }
  out.push(previous + 1e-6); // previous is now the largest value
  return out;
}

/** Metrics of one threshold on items (percentages). */
export function evaluateThreshold(items: readonly ScoredItem[], threshold: number): { accError: number | null; accCorrect: number | null; f1: number | null } {
  let nE = 0,
    hE = 0,
    nC = 0,
    hC = 0;
  for (const it of items) {
    const p = firstBelow(it.scores, threshold);
    if (it.label === -1) {
      nC++;
      if (p === -1) hC++;
    } else {
      nE++;
      if (p === it.label) hE++;
    }
  }
  const accError = nE ? (100 * hE) / nE : null;
  const accCorrect = nC ? (100 * hC) / nC : null;
  return { accError, accCorrect, f1: f1Of(accError, accCorrect) };
}

export function tuneThreshold(items: readonly ScoredItem[]): TunedThreshold {
  if (!items.length) throw new Error("no scored items to tune the threshold on");
  // Prefix minima: the prediction at threshold T is the first index whose prefix minimum is < T.
  const prefixMins = items.map((it) => {
    const m: number[] = [];
    let low = Infinity;
    for (const s of it.scores) m.push((low = Math.min(low, s)));
    return { label: it.label, mins: m };
  });
  const candidates = thresholdCandidates(items);
  let best: TunedThreshold | null = null;
  let nE = 0,
    nC = 0;
  for (const it of items) {
    if (it.label === -1) nC++;
    else nE++;
  }
  for (const t of candidates) {
    let hE = 0,
      hC = 0;
    for (const { label, mins } of prefixMins) {
      // Binary search: first index with mins[i] < t (mins is non-increasing).
      let lo = 0,
        hi = mins.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const low = mins[mid]; // lo <= mid < hi <= mins.length
        if (low !== undefined && low < t) hi = mid;
        else lo = mid + 1;
      }
      const p = lo < mins.length ? lo : -1;
      if (label === -1) {
        if (p === -1) hC++;
      } else if (p === label) hE++;
    }
    const accError = nE ? (100 * hE) / nE : null;
    const accCorrect = nC ? (100 * hC) / nC : null;
    const f1 = f1Of(accError, accCorrect) ?? 0;
    if (!best || f1 > best.f1) best = { threshold: t, f1, accError, accCorrect, candidates: candidates.length };
  }
  if (!best) throw new Error("tuneThreshold: thresholdCandidates returned no candidate");
  return best;
}
