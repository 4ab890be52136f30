/**
 * The dataset dashboard's view model: the host aggregates, the webview gets summaries (a few KB
 * whatever the dataset's size), never the records.
 *
 * Per record it keeps the ground-truth first error, the subset, and either the step scores (then the
 * prediction at a threshold T is the first step scoring below T, `firstBelow` — the rule
 * `steplens eval processbench --scorer prm` applies) or a fixed prediction (a predictions file, a
 * verifier run). ProcessBench's metric is computed with the same accumulator as `steplens eval`
 * (src/eval/processbenchMetric.ts): every labelled record is an item, and one with no prediction
 * counts as wrong and is counted as missing. A threshold move recomputes only the ThresholdView
 * (one pass over the records; well under a millisecond per thousand records).
 * No `vscode` import.
 */
import { PROCESSBENCH_SUBSETS, ProcessBenchAccumulator } from "../eval/processbenchMetric";
import { firstBelow } from "../eval/thresholdTuning";
import { POSITION_BINS, SCORE_BINS, type DashboardSelection, type DashboardSummary, type RecordRow, type SubsetRow, type ThresholdView } from "./protocol";

export interface DashboardRecord {
  record: number;
  id: string;
  subset: string;
  /** Ground-truth first error (-1 all correct), null when the record has no labels. */
  label: number | null;
  /** Step scores (P(correct) per step), null when the record was not scored. */
  scores: readonly number[] | null;
  /** A fixed prediction (used when there are no scores), null when none. */
  prediction: number | null;
}

/** What the dashboard needs of a dataset index's records (src/datasets/datasetIndex.ts). */
export interface RecordSource {
  readonly size: number;
  summary(record: number): { id: string; groundTruth: number | null; prediction: number | null; bad: boolean };
}

/** Step scores, predictions and subsets by record id (a scores file, records scored in the editor). */
export interface ScoreLookup {
  scores: ReadonlyMap<string, readonly number[]>;
  predictions: ReadonlyMap<string, number>;
  subsets: ReadonlyMap<string, string>;
}

/**
 * The dashboard's records: every readable record of `index` joined with `lookup` by id (a
 * prediction from the lookup wins over the index's own). `fromIndex` counts the records whose only
 * prediction came from the index (the Datasets view), for the sources line.
 */
export function dashboardRecords(index: RecordSource, lookup: ScoreLookup, fallbackSubset: string): { records: DashboardRecord[]; fromIndex: number } {
  const records: DashboardRecord[] = [];
  let fromIndex = 0;
  for (let r = 0; r < index.size; r++) {
    const s = index.summary(r);
    if (s.bad) continue;
    const scores = lookup.scores.get(s.id) ?? null;
    const prediction = lookup.predictions.get(s.id) ?? s.prediction;
    if (!scores && !lookup.predictions.has(s.id) && s.prediction !== null) fromIndex++;
    records.push({ record: r, id: s.id, subset: lookup.subsets.get(s.id) ?? subsetOfId(s.id, fallbackSubset), label: s.groundTruth, scores, prediction });
  }
  return { records, fromIndex };
}

export interface DashboardInput {
  file: string;
  title: string;
  format: string;
  records: readonly DashboardRecord[];
  sources?: readonly string[];
  settingsThreshold: number;
  demo?: boolean;
}

/** The POSITION_BINS bin of a first-error position (-1: "none"). */
export function positionBin(p: number): number {
  if (p < 0) return 0;
  return Math.min(POSITION_BINS.length - 1, p + 1);
}

/** The SCORE_BINS bin of a score in [0, 1] (1 falls in the last bin). */
export function scoreBin(s: number): number {
  return Math.max(0, Math.min(SCORE_BINS - 1, Math.floor(s * SCORE_BINS)));
}

/** "none" / "step 3" / "step 11 or later" for a position bin. */
export function positionBinText(bin: number): string {
  if (bin === 0) return "no error";
  if (bin === POSITION_BINS.length - 1) return `step ${bin} or later`;
  return `step ${bin}`;
}

/** The subset of a ProcessBench id ("gsm8k-12" → "gsm8k"), else `fallback`. */
export function subsetOfId(id: string, fallback: string): string {
  const m = /^([a-z0-9]+)[-_]/i.exec(id);
  const head = m?.[1]?.toLowerCase();
  return head && (PROCESSBENCH_SUBSETS as readonly string[]).includes(head) ? head : fallback;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export class DashboardModel {
  private readonly records: readonly DashboardRecord[];
  private readonly minScores: Float64Array;

  constructor(readonly input: DashboardInput) {
    this.records = input.records;
    this.minScores = new Float64Array(this.records.length);
    this.records.forEach((r, i) => {
      let m = Number.NaN;
      if (r.scores && r.scores.length) {
        m = Infinity;
        for (const s of r.scores) if (s < m) m = s;
      }
      this.minScores[i] = m;
    });
  }

  /** The lowest step score of record `i` (NaN: the record has no scores). */
  private minScoreAt(i: number): number {
    const m = this.minScores[i];
    if (m === undefined) throw new Error(`DashboardModel: no minimum score for record ${i} (${this.minScores.length} for ${this.records.length} records)`);
    return m;
  }

  get size(): number {
    return this.records.length;
  }

  /** The record's predicted first error at `threshold` (null: no scores and no fixed prediction). */
  predictionAt(i: number, threshold: number): number | null {
    const r = this.records[i];
    if (r === undefined) throw new Error(`DashboardModel.predictionAt: no record ${i} (the model holds ${this.records.length})`);
    if (r.scores && r.scores.length) return firstBelow(r.scores, threshold);
    return r.prediction;
  }

  /** Everything the threshold changes: ProcessBench metrics per subset, positions, confusion. */
  view(threshold: number): ThresholdView {
    const t0 = performance.now();
    const acc = new ProcessBenchAccumulator(0);
    const bins = POSITION_BINS.length;
    const label = new Array<number>(bins).fill(0);
    const prediction = new Array<number>(bins).fill(0);
    const confusion = Array.from({ length: bins }, () => new Array<number>(bins).fill(0));
    let compared = 0;
    let agree = 0;
    for (const [i, r] of this.records.entries()) {
      const p = this.predictionAt(i, threshold);
      if (p !== null) countIn(prediction, positionBin(p));
      if (r.label === null) continue;
      countIn(label, positionBin(r.label));
      acc.add({ id: r.id, subset: r.subset, label: r.label }, p);
      if (p === null) continue;
      compared++;
      if (p === r.label) agree++;
      const confusionRow = confusion[positionBin(r.label)];
      if (confusionRow === undefined) throw new Error(`DashboardModel: position bin ${positionBin(r.label)} outside 0..${bins - 1}`);
      countIn(confusionRow, positionBin(p));
    }
    const m = acc.result();
    const subsets: SubsetRow[] = Object.entries(m.subsets).map(([subset, s]) => ({
      subset,
      n: s.n,
      nError: s.nError,
      nCorrect: s.nCorrect,
      accError: s.accError,
      accCorrect: s.accCorrect,
      f1: s.f1,
      missing: s.missing,
    }));
    return {
      threshold: round(threshold),
      subsets,
      averageF1: m.averageF1,
      missing: m.missing,
      positions: { label, prediction },
      confusion,
      compared,
      agree,
      computeMs: performance.now() - t0,
    };
  }

  summary(threshold: number): DashboardSummary {
    const correct = new Array<number>(SCORE_BINS).fill(0);
    const erroneous = new Array<number>(SCORE_BINS).fill(0);
    let labelled = 0;
    let scored = 0;
    let fixed = 0;
    this.records.forEach((r, i) => {
      if (r.label !== null) labelled++;
      const m = this.minScoreAt(i);
      if (!Number.isNaN(m)) {
        scored++;
        if (r.label === -1) countIn(correct, scoreBin(m));
        else if (r.label !== null) countIn(erroneous, scoreBin(m));
      } else if (r.prediction !== null) fixed++;
    });
    return {
      file: this.input.file,
      title: this.input.title,
      format: this.input.format,
      records: this.records.length,
      labelled,
      scored,
      fixedPredictions: fixed,
      sources: [...(this.input.sources ?? [])],
      scoreHistogram: { correct, erroneous },
      settingsThreshold: this.input.settingsThreshold,
      demo: this.input.demo === true,
      view: this.view(threshold),
    };
  }

  /** The records behind a bar or a cell (at most `limit` rows, in file order) and a title for the list. */
  select(selection: DashboardSelection, threshold: number, limit = 200): { title: string; rows: RecordRow[]; total: number } {
    const rows: RecordRow[] = [];
    let total = 0;
    for (const [i, r] of this.records.entries()) {
      const p = this.predictionAt(i, threshold);
      let hit: boolean;
      if (selection.kind === "score") {
        const m = this.minScoreAt(i);
        const group = r.label === -1 ? "correct" : r.label !== null ? "erroneous" : null;
        hit = !Number.isNaN(m) && group === selection.group && scoreBin(m) === selection.bin;
      } else if (selection.kind === "position") {
        const v = selection.series === "label" ? r.label : p;
        hit = v !== null && positionBin(v) === selection.bin;
      } else {
        hit = r.label !== null && p !== null && positionBin(r.label) === selection.label && positionBin(p) === selection.prediction;
      }
      if (!hit) continue;
      total++;
      if (rows.length < limit) {
        const m = this.minScoreAt(i);
        rows.push({ record: r.record, id: r.id, subset: r.subset, label: r.label, prediction: p, minScore: Number.isNaN(m) ? null : m });
      }
    }
    return { title: selectionTitle(selection, threshold), rows, total };
  }
}

/** Adds one to `counts[bin]`; a bin outside the histogram is a bug in the binning. */
function countIn(counts: number[], bin: number): void {
  const n = counts[bin];
  if (n === undefined) throw new Error(`DashboardModel: bin ${bin} outside 0..${counts.length - 1}`);
  counts[bin] = n + 1;
}

export function selectionTitle(s: DashboardSelection, threshold: number): string {
  if (s.kind === "score") {
    const lo = (s.bin / SCORE_BINS).toFixed(2);
    const hi = ((s.bin + 1) / SCORE_BINS).toFixed(2);
    return `${s.group === "correct" ? "All-correct" : "Erroneous"} traces whose lowest step score is ${lo}–${hi}`;
  }
  if (s.kind === "position")
    return s.series === "label"
      ? `Labelled first error: ${positionBinText(s.bin)}`
      : `Predicted first error at threshold ${threshold.toFixed(2)}: ${positionBinText(s.bin)}`;
  return `Labelled ${positionBinText(s.label)}, predicted ${positionBinText(s.prediction)} (threshold ${threshold.toFixed(2)})`;
}
