/**
 * ProcessBench's metric, exactly as the benchmark defines it (arXiv 2412.06559):
 * per subset, acc_error = exact-match accuracy of the predicted earliest-error index on samples with
 * label ≠ -1; acc_correct = accuracy (prediction -1) on samples with label = -1;
 * F1 = 2·acc_error·acc_correct / (acc_error + acc_correct), 0 when both are 0. The average is the
 * unweighted mean of the subset F1s. Percentages from 0 to 100. An item with no prediction counts as
 * wrong (and is counted). An empty group (e.g. --limit left no correct samples) has accuracy null,
 * and then F1 is null and the subset is left out of the average (ProcessBench has no empty groups).
 */

export const PROCESSBENCH_SUBSETS = ["gsm8k", "math", "olympiadbench", "omnimath"] as const;

export interface LabeledItem {
  id: string;
  subset: string;
  /** 0-based index of the earliest wrong step, -1 when all steps are correct. */
  label: number;
}

export interface SubsetMetrics {
  n: number;
  /** Items with label ≠ -1 / = -1. */
  nError: number;
  nCorrect: number;
  /** Matches among them. */
  hitsError: number;
  hitsCorrect: number;
  /** Percentages (0-100); null for an empty group. */
  accError: number | null;
  accCorrect: number | null;
  f1: number | null;
  /** Items that had no prediction (counted as wrong). */
  missing: number;
}

export interface ProcessBenchMetrics {
  subsets: Record<string, SubsetMetrics>;
  /** Unweighted mean of the subset F1s (null when no subset has one). */
  averageF1: number | null;
  /** Items without a prediction, in all, and the first few ids. */
  missing: number;
  missingIds: string[];
}

export function f1Of(accError: number | null, accCorrect: number | null): number | null {
  if (accError === null || accCorrect === null) return null;
  return accError + accCorrect === 0 ? 0 : (2 * accError * accCorrect) / (accError + accCorrect);
}

/** Accumulates items one at a time (streaming), then `result()`. */
export class ProcessBenchAccumulator {
  private readonly groups = new Map<string, { n: number; nError: number; nCorrect: number; hitsError: number; hitsCorrect: number; missing: number }>();
  private missing = 0;
  private readonly missingIds: string[] = [];

  constructor(private readonly keepMissingIds = 20) {}

  /** `prediction` undefined/null: no prediction (counts as wrong). */
  add(item: LabeledItem, prediction: number | null | undefined): void {
    let g = this.groups.get(item.subset);
    if (!g) this.groups.set(item.subset, (g = { n: 0, nError: 0, nCorrect: 0, hitsError: 0, hitsCorrect: 0, missing: 0 }));
    g.n++;
    const has = prediction !== undefined && prediction !== null;
    if (!has) {
      g.missing++;
      this.missing++;
      if (this.missingIds.length < this.keepMissingIds) this.missingIds.push(item.id);
    }
    if (item.label === -1) {
      g.nCorrect++;
      if (has && prediction === -1) g.hitsCorrect++;
    } else {
      g.nError++;
      if (has && prediction === item.label) g.hitsError++;
    }
  }

  result(order: readonly string[] = PROCESSBENCH_SUBSETS): ProcessBenchMetrics {
    const names = [...this.groups.keys()].sort((a, b) => {
      const ia = order.indexOf(a);
      const ib = order.indexOf(b);
      return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || a.localeCompare(b);
    });
    const subsets: Record<string, SubsetMetrics> = {};
    const f1s: number[] = [];
    for (const name of names) {
      const g = this.groups.get(name)!;
      const accError = g.nError ? (100 * g.hitsError) / g.nError : null;
      const accCorrect = g.nCorrect ? (100 * g.hitsCorrect) / g.nCorrect : null;
      const f1 = f1Of(accError, accCorrect);
      if (f1 !== null) f1s.push(f1);
      subsets[name] = { ...g, accError, accCorrect, f1 };
    }
    return {
      subsets,
      averageF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : null,
      missing: this.missing,
      missingIds: [...this.missingIds],
    };
  }
}

export function computeProcessBenchMetrics(items: Iterable<LabeledItem>, predictions: ReadonlyMap<string, number>): ProcessBenchMetrics {
  const acc = new ProcessBenchAccumulator();
  for (const item of items) acc.add(item, predictions.get(item.id));
  return acc.result();
}
