/**
 * The run dashboard's numbers, from a reward log's index (./rewardLogIndex.ts): per trainer step (or
 * per bucket of steps when there are many), the reward's mean and spread (standard deviation, min,
 * max), the share of rollouts gated per reason code, the mean step count and response length; and
 * per step position (1, 2, …) the distribution of the judge's values (quantiles). When no client sent
 * a trainer step, the x axis is the arrival order in batches of rollouts. Each point carries the
 * filter that lists its rollouts. No `vscode` import.
 */
import type { RewardLogIndex, RolloutFilter } from "./rewardLogIndex";

/** At most this many points on the x axis; more trainer steps are bucketed. */
export const MAX_POINTS = 200;
/** Step positions shown in the distribution (later positions are folded into the last). */
export const MAX_POSITIONS = 24;

export interface RunPoint {
  /** First trainer step (or arrival batch) of the point, and its last. */
  x: number;
  xEnd: number;
  /** Rollouts in the point. */
  n: number;
  /** Reward mean, standard deviation, min and max over the point's rollouts. */
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Share of the point's rollouts gated (any code) and per code. */
  gated: number;
  gatedBy: Record<string, number>;
  meanSteps: number;
  meanResponseLength: number;
  /** Lists this point's rollouts. */
  filter: RolloutFilter;
}

export interface PositionStats {
  /** 1-based step position (the last one also holds every later position). */
  position: number;
  n: number;
  mean: number;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
}

export interface RunDashboardModel {
  file: string;
  total: number;
  /** "trainer step", or "rollouts (arrival order)" when no client sent a trainer step. */
  xLabel: string;
  /** Rollouts left off the step charts: they came without a trainer step while others had one. */
  withoutStep: number;
  points: RunPoint[];
  /** Reason codes seen in the log. */
  codes: string[];
  positions: PositionStats[];
  /** The index version the model was built from. */
  version: number;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

interface Acc {
  rollouts: number;
  n: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
  gated: number;
  gatedBy: Map<string, number>;
  steps: number;
  length: number;
}

const newAcc = (): Acc => ({ rollouts: 0, n: 0, sum: 0, sumSq: 0, min: Infinity, max: -Infinity, gated: 0, gatedBy: new Map(), steps: 0, length: 0 });

export function runDashboardModel(index: RewardLogIndex): RunDashboardModel {
  const n = index.size;
  let minStep = Infinity;
  let maxStep = -Infinity;
  let withStep = 0;
  for (let r = 0; r < n; r++) {
    const s = index.trainerStep(r);
    if (s === null) continue;
    withStep++;
    if (s < minStep) minStep = s;
    if (s > maxStep) maxStep = s;
  }
  const byStep = withStep > 0;
  // Bucket width: one trainer step per point while they fit, else a range; arrival batches otherwise.
  const width = byStep ? Math.max(1, Math.ceil((maxStep - minStep + 1) / MAX_POINTS)) : Math.max(8, Math.ceil(n / MAX_POINTS));
  const origin = byStep ? minStep : 0;
  const accs = new Map<number, Acc>();
  const codes = new Set<string>();
  const positionValues: number[][] = [];
  for (let r = 0; r < n; r++) {
    for (const v of index.values(r).entries()) {
      const [k, value] = v;
      if (Number.isNaN(value)) continue;
      const p = Math.min(k, MAX_POSITIONS - 1);
      (positionValues[p] ??= []).push(value);
    }
    const s = byStep ? index.trainerStep(r) : r;
    if (s === null) continue;
    const bucket = Math.floor((s - origin) / width);
    let a = accs.get(bucket);
    if (!a) accs.set(bucket, (a = newAcc()));
    a.rollouts++;
    const reward = index.reward(r);
    if (!Number.isNaN(reward)) {
      a.n++;
      a.sum += reward;
      a.sumSq += reward * reward;
      if (reward < a.min) a.min = reward;
      if (reward > a.max) a.max = reward;
    }
    if (!index.passed(r)) a.gated++;
    for (const c of index.codes(r)) {
      codes.add(c);
      a.gatedBy.set(c, (a.gatedBy.get(c) ?? 0) + 1);
    }
    a.steps += index.stepCount(r);
    a.length += index.responseLength(r);
  }
  const points: RunPoint[] = [...accs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, a]) => {
      const x = origin + bucket * width;
      const xEnd = x + width - 1;
      const total = a.rollouts;
      const mean = a.n ? a.sum / a.n : Number.NaN;
      const variance = a.n ? Math.max(0, a.sumSq / a.n - mean * mean) : Number.NaN;
      return {
        x,
        xEnd,
        n: total,
        mean,
        sd: Math.sqrt(variance),
        min: a.n ? a.min : Number.NaN,
        max: a.n ? a.max : Number.NaN,
        gated: a.gated / total,
        gatedBy: Object.fromEntries([...a.gatedBy].map(([c, k]) => [c, k / total])),
        meanSteps: a.steps / total,
        meanResponseLength: a.length / total,
        filter: byStep ? { trainerStep: { min: x, max: xEnd } } : { records: { min: x, max: Math.min(xEnd, n - 1) } },
      };
    });
  const positions: PositionStats[] = positionValues.map((vals, k) => {
    const sorted = Float64Array.from(vals ?? []).sort();
    const mean = sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : Number.NaN;
    return {
      position: k + 1,
      n: sorted.length,
      mean,
      p10: quantile(sorted, 0.1),
      p25: quantile(sorted, 0.25),
      p50: quantile(sorted, 0.5),
      p75: quantile(sorted, 0.75),
      p90: quantile(sorted, 0.9),
    };
  });
  return {
    file: index.file,
    total: n,
    xLabel: byStep ? (width > 1 ? `trainer step (buckets of ${width})` : "trainer step") : `rollouts (arrival order, batches of ${width})`,
    withoutStep: byStep ? n - withStep : 0,
    points,
    codes: [...codes].sort(),
    positions,
    version: index.version,
  };
}
