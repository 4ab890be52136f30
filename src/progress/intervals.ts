/**
 * The statistics of PAV progress, kept small and exact:
 *
 * - Q = k / M, the share of M rollouts that finish correctly, with its Wilson score interval:
 *     centre = (Q + z²/2M) / (1 + z²/M),  half width = z / (1 + z²/M) · √(Q(1−Q)/M + z²/4M²).
 *   Unlike Q ± z·√(Q(1−Q)/M) it stays inside [0, 1] and is not zero-width at Q = 0 or 1.
 * - The advantage A = Q_after − Q_before gets Newcombe's hybrid score interval for a difference of
 *   two proportions (method 10 of Newcombe 1998), built from the two Wilson intervals:
 *     lower = A − √((Q_after − l_after)² + (u_before − Q_before)²)
 *     upper = A + √((u_after − Q_after)² + (Q_before − l_before)²)
 *   It treats the two Q as independent; rollouts share seeds across boundaries (positively
 *   correlated), which only makes the interval wider than it needs to be, i.e. conservative.
 * - A step "loses progress" (clearly negative advantage) when the upper end of A's interval is
 *   below 0.
 * No `vscode` import.
 */

/** Default confidence level of every interval (two-sided). */
export const DEFAULT_CONFIDENCE = 0.9;

/** The standard normal quantile z with P(|Z| ≤ z) = confidence (Acklam's approximation, |error| < 1.2e-9 relative). */
export function zFor(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
  return normalQuantile(1 - (1 - confidence) / 2);
}

function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239] as const;
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572] as const;
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Wilson score interval of `successes` out of `trials` ([0, 1] when there are no trials). */
export function wilsonInterval(successes: number, trials: number, confidence = DEFAULT_CONFIDENCE): [number, number] {
  if (trials <= 0) return [0, 1];
  if (successes < 0 || successes > trials) throw new Error(`successes must be within 0..${trials}, got ${successes}`);
  const z = zFor(confidence);
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // Exact ends at the edges (the formula gives them up to rounding).
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === trials ? 1 : Math.min(1, centre + half)];
}

/** Newcombe's hybrid score interval of kA/nA − kB/nB (two independent proportions). */
export function differenceInterval(kA: number, nA: number, kB: number, nB: number, confidence = DEFAULT_CONFIDENCE): [number, number] {
  const pa = nA > 0 ? kA / nA : 0;
  const pb = nB > 0 ? kB / nB : 0;
  const [la, ua] = wilsonInterval(kA, nA, confidence);
  const [lb, ub] = wilsonInterval(kB, nB, confidence);
  const d = pa - pb;
  return [d - Math.hypot(pa - la, ub - pb), d + Math.hypot(ua - pa, pb - lb)];
}

/** The interval of the advantage Q_after − Q_before, each Q from `trials` rollouts (`before`/`after`: correct counts). */
export function advantageInterval(before: number, after: number, trials: number, confidence = DEFAULT_CONFIDENCE): [number, number] {
  return differenceInterval(after, trials, before, trials, confidence);
}

/** The rule for a diagnostic: the whole interval of the advantage lies below 0. */
export function losesProgress(before: number, after: number, trials: number, confidence = DEFAULT_CONFIDENCE): boolean {
  return advantageInterval(before, after, trials, confidence)[1] < 0;
}

/** Successes behind a share q of `trials` (Q values are k / M exactly; rounding absorbs float noise). */
export function successesOf(q: number, trials: number): number {
  return Math.max(0, Math.min(trials, Math.round(q * trials)));
}
