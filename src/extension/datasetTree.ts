/**
 * The StepLens Datasets tree: JSON/JSONL datasets (ProcessBench, PRM800K, Math-Shepherd, generic)
 * opened with "Open Dataset in StepLens" (explorer context menu on .json/.jsonl, or the palette).
 *
 * - Large files load lazily: one streaming pass builds a compact DatasetIndex (src/datasets; a few
 *   MB for 100k records) with a cancellable progress notification; records are read from disk only
 *   when opened, and the tree shows them a page at a time ("Show more…").
 * - Each record: its id, the ground-truth first error, the predicted first error and whether they
 *   agree, and whether it carries human labels. Predictions come from scoring the record (opening it
 *   scores it like any trace) or from a predictions JSONL ("Load Predictions…").
 * - Filters per dataset: mismatches only, by ground-truth label, by score range.
 * - Opening a record shows it as a read-only trace document with the same annotations.
 */
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import * as vscode from "vscode";
import { CancelledError, errorMessage } from "../core/errors";
import { withCancellableProgress } from "./cancellableProgress";
import { datasetFilesIn } from "../datasets/datasetFolder";
import { DatasetIndex, type DatasetFilter, type RecordSummary } from "../datasets/datasetIndex";
import { CommandId, DATASETS_VIEW, HAS_DATASETS, RECORD_SCHEME } from "./commandIds";
import type { StepLensContext } from "./context";
import { pickOpenFile } from "./pickOpenFile";
import { showMoreItem } from "./showMoreItem";
import { parseRecordUri } from "./recordDocuments";
import { datasetKey, indexSynthesisFolder, synthesisDirOf, synthesisRecordDescription, synthesisStepItem } from "./synthesisDataset";
import type { SynthesisOverlay } from "../datasets/synthesisRecords";
import { isRewardLogNode, RewardLogViews, type RewardLogNode } from "./rewardLogs";

export const PAGE_SIZE = 200;

export interface OpenDataset {
  file: string;
  index: DatasetIndex;
  filter: DatasetFilter;
  /** Records shown (grows by PAGE_SIZE with "Show more…"). */
  shown: number;
  /** A synthesis folder: its labels and verdicts (`file` is its solutions.jsonl). */
  synthesis?: SynthesisOverlay;
}

export type DatasetNode =
  | { kind: "dataset"; dataset: OpenDataset }
  | { kind: "record"; dataset: OpenDataset; summary: RecordSummary }
  | { kind: "more"; dataset: OpenDataset; shown: number; total: number }
  | { kind: "info"; dataset: OpenDataset; message: string }
  | { kind: "step"; dataset: OpenDataset; summary: RecordSummary; step: number }
  | RewardLogNode;

/** "step 3", "all correct", "—". */
function firstErrorText(v: number | null): string {
  if (v === null) return "—";
  return v < 0 ? "all correct" : `step ${v + 1}`;
}

/** A record row's description: ground-truth first error → predicted one, ✓/✗, "labelled" ("step 2 → —" before any prediction). */
export function recordDescription(truth: number | null, prediction: number | null, agreement: boolean | null, labelled: boolean): string {
  const short = (v: number | null) => (v === null ? "—" : v < 0 ? "correct" : `step ${v + 1}`);
  return `${short(truth)} → ${short(prediction)}${agreement === null ? "" : agreement ? " ✓" : " ✗"}${labelled ? " · labelled" : ""}`;
}

/** A filter in words ("mismatches only, label: error, score 0–0.5"), "" for none. */
export function describeFilter(f: DatasetFilter): string {
  const parts: string[] = [];
  if (f.mismatchesOnly) parts.push("mismatches only");
  if (f.label !== undefined) parts.push(`label: ${typeof f.label === "number" ? `first error at step ${f.label + 1}` : f.label}`);
  if (f.scoreRange) parts.push(`score ${f.scoreRange.min}–${f.scoreRange.max}`);
  return parts.join(", ");
}

export class DatasetTree implements vscode.TreeDataProvider<DatasetNode>, vscode.Disposable {
  private readonly datasets = new Map<string, OpenDataset>();
  private readonly opening = new Map<string, Promise<OpenDataset>>();
  private readonly emitter = new vscode.EventEmitter<DatasetNode | undefined | void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChangeTreeData = this.emitter.event;
  /** Reward logs (steplens serve --reward-log), shown after the datasets as live datasets (./rewardLogs.ts). */
  readonly rewardLogs: RewardLogViews;

  constructor(private readonly ctx: StepLensContext) {
    void vscode.commands.executeCommand("setContext", HAS_DATASETS, false);
    this.rewardLogs = new RewardLogViews(() => {
      void vscode.commands.executeCommand("setContext", HAS_DATASETS, this.datasets.size + this.rewardLogs.list().length > 0);
      this.emitter.fire();
    }, ctx.log);
    this.subscriptions.push(
      ctx.labels.onDidChange(() => this.emitter.fire()),
      ctx.annotations.onDidScore(({ uri }) => this.recordScored(uri)),
    );
  }

  /** Open datasets, in the order they were opened. */
  list(): OpenDataset[] {
    return [...this.datasets.values()];
  }

  get(file: string): OpenDataset | undefined {
    return this.datasets.get(datasetKey(file));
  }

  /** The index of `file`, opening the dataset (with progress) when it is not open yet. */
  async indexOf(file: string): Promise<DatasetIndex> {
    return (this.get(file) ?? (await this.open(file))).index;
  }

  /** Indexes `file` (one streaming pass, cancellable) and shows it in the tree. */
  open(file: string): Promise<OpenDataset> {
    const abs = datasetKey(file);
    const existing = this.datasets.get(abs);
    if (existing) return Promise.resolve(existing);
    let pending = this.opening.get(abs);
    if (!pending) {
      pending = this.build(abs).finally(() => this.opening.delete(abs));
      this.opening.set(abs, pending);
    }
    return pending;
  }

  private async build(abs: string, filter: DatasetFilter = {}): Promise<OpenDataset> {
    const synthesisDir = synthesisDirOf(abs);
    if (synthesisDir) return this.buildSynthesis(synthesisDir, filter);
    const name = path.basename(abs);
    const config = this.ctx.configuration.current;
    const index = fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()
      ? await this.indexFolder(abs)
      : await withCancellableProgress(`StepLens: indexing ${name}`, ({ signal, onProgress }) =>
          DatasetIndex.build(abs, { stepTag: config.prm.stepTag, signal, onProgress }),
        );
    if (!index) throw new CancelledError(`indexing ${name} cancelled`);
    const problems = index.problems();
    for (const p of problems.slice(0, 20)) this.ctx.log.warn(`dataset ${name}: ${errorMessage(p)}`);
    if (problems.length) {
      void vscode.window.showWarningMessage(
        `StepLens: ${index.stats.badRecords} record${index.stats.badRecords === 1 ? "" : "s"} of ${name} could not be read${index.containerError ? " and the file ends early" : ""}; they are marked in the tree (details in the StepLens output).`,
      );
    }
    this.ctx.log.info(
      `dataset ${name}: ${index.size} records (${index.detected.format}) indexed in ${index.stats.seconds.toFixed(2)} s, ${(index.memoryBytes() / 1048576).toFixed(1)} MB`,
    );
    const dataset: OpenDataset = { file: abs, index, filter, shown: PAGE_SIZE };
    this.datasets.set(abs, dataset);
    this.ctx.walkthrough.mark("datasetOpened");
    void vscode.commands.executeCommand("setContext", HAS_DATASETS, true);
    this.emitter.fire();
    return dataset;
  }

  /**
   * A folder of subsets (ProcessBench's four files) as one dataset: every dataset file in it
   * (src/datasets/datasetFolder.ts), indexed and joined; a file that is not a dataset is skipped and
   * said so. Undefined when cancelled.
   */
  private async indexFolder(dir: string): Promise<DatasetIndex | undefined> {
    const files = datasetFilesIn(dir);
    const stepTag = this.ctx.configuration.current.prm.stepTag;
    const skipped: string[] = [];
    const parts = await withCancellableProgress(`StepLens: indexing ${path.basename(dir)}`, async ({ signal, onProgress }) => {
      const out: DatasetIndex[] = [];
      for (const [i, file] of files.entries()) {
        onProgress({ done: i, total: files.length, message: path.basename(file) });
        try {
          out.push(await DatasetIndex.build(file, { stepTag, signal }));
        } catch (e) {
          if (e instanceof CancelledError) throw e;
          skipped.push(`${path.basename(file)} (${errorMessage(e)})`);
        }
      }
      return out;
    });
    if (!parts) return undefined;
    if (skipped.length) {
      this.ctx.log.warn(`dataset folder ${path.basename(dir)}: skipped ${skipped.join("; ")}`);
      void vscode.window.showWarningMessage(
        `StepLens: ${path.basename(dir)}: skipped ${skipped.length} file${skipped.length === 1 ? "" : "s"} that ${skipped.length === 1 ? "is" : "are"} not a dataset (details in the StepLens output).`,
      );
    }
    const index = DatasetIndex.concat(dir, parts);
    this.ctx.log.info(`dataset folder ${path.basename(dir)}: ${parts.map((p) => `${path.basename(p.file)} ${p.size}`).join(", ")}`);
    return index;
  }

  /** A synthesis folder as a dataset: its solutions, with the aggregated labels and the K verdicts per step. */
  private async buildSynthesis(dir: string, filter: DatasetFilter): Promise<OpenDataset> {
    const { index, overlay } = await indexSynthesisFolder(dir, this.ctx.configuration.current.prm.stepTag);
    for (const p of index.problems().slice(0, 20)) this.ctx.log.warn(`synthesis folder ${path.basename(dir)}: ${errorMessage(p)}`);
    this.ctx.log.info(`synthesis folder ${path.basename(dir)}: ${index.size} solutions, ${overlay.bySolution.size} with labels or verifications`);
    const dataset: OpenDataset = { file: index.file, index, filter, shown: PAGE_SIZE, synthesis: overlay };
    this.datasets.set(index.file, dataset);
    void vscode.commands.executeCommand("setContext", HAS_DATASETS, true);
    this.emitter.fire();
    return dataset;
  }

  close(file: string): void {
    const abs = datasetKey(file);
    if (!this.datasets.delete(abs)) return;
    void vscode.commands.executeCommand("setContext", HAS_DATASETS, this.datasets.size + this.rewardLogs.list().length > 0);
    this.emitter.fire();
  }

  /** Indexes the file again (after it changed on disk), keeping the filter. */
  async refresh(file: string): Promise<void> {
    const abs = path.resolve(file);
    const old = this.datasets.get(abs);
    this.datasets.delete(abs);
    try {
      await this.build(abs, old?.filter ?? {});
    } catch (e) {
      if (old) this.datasets.set(abs, old);
      throw e;
    }
  }

  setFilter(dataset: OpenDataset, filter: DatasetFilter): void {
    dataset.filter = filter;
    dataset.shown = PAGE_SIZE;
    this.emitter.fire();
  }

  showMore(dataset: OpenDataset): void {
    dataset.shown += PAGE_SIZE;
    this.emitter.fire();
  }

  /** Attaches predicted first errors from a JSONL file of `{"id": …, "prediction": <int>}` lines. */
  async loadPredictions(dataset: OpenDataset, file: string): Promise<{ matched: number; unknown: number; bad: number }> {
    const entries: { id: string; prediction: number }[] = [];
    let bad = 0;
    let line = 0;
    const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
    for await (const raw of rl) {
      line++;
      if (!raw.trim()) continue;
      try {
        const o = JSON.parse(raw) as { id?: unknown; prediction?: unknown };
        if ((typeof o.id === "string" || typeof o.id === "number") && typeof o.prediction === "number" && Number.isInteger(o.prediction)) {
          entries.push({ id: String(o.id), prediction: o.prediction });
          continue;
        }
      } catch {
        // counted below
      }
      bad++;
      if (bad <= 5) this.ctx.log.warn(`${file}:${line}: expected {"id": "…", "prediction": <integer>}; line skipped`);
    }
    const r = dataset.index.setPredictionsById(entries);
    this.emitter.fire();
    return { matched: r.matched, unknown: r.unknownCount, bad };
  }

  // ---------------------------------------------------------------- TreeDataProvider

  getChildren(node?: DatasetNode): DatasetNode[] {
    if (!node) return [...this.list().map((dataset): DatasetNode => ({ kind: "dataset", dataset })), ...this.rewardLogs.roots()];
    if (isRewardLogNode(node)) return this.rewardLogs.children(node);
    if (node.kind === "record" && node.dataset.synthesis && !node.summary.bad)
      return Array.from({ length: node.summary.steps }, (_, step) => ({ kind: "step" as const, dataset: node.dataset, summary: node.summary, step }));
    if (node.kind !== "dataset") return [];
    const d = node.dataset;
    const matching = d.index.filter(d.filter);
    const out: DatasetNode[] = [];
    if (matching.length === 0) out.push({ kind: "info", dataset: d, message: d.index.size === 0 ? "no records" : "no record matches the filter" });
    const n = Math.min(matching.length, d.shown);
    for (const record of matching.subarray(0, n)) out.push({ kind: "record", dataset: d, summary: d.index.summary(record) });
    if (matching.length > n) out.push({ kind: "more", dataset: d, shown: n, total: matching.length });
    return out;
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    if (isRewardLogNode(node)) return this.rewardLogs.item(node);
    switch (node.kind) {
      case "dataset":
        return this.datasetItem(node.dataset);
      case "record":
        return this.recordItem(node.dataset, node.summary);
      case "more": {
        const item = showMoreItem({ shown: node.shown, total: node.total, size: PAGE_SIZE }, CommandId.showMoreRecords, node.dataset.file);
        item.contextValue = "steplensMore";
        return item;
      }
      case "step":
        return synthesisStepItem(node.dataset.synthesis!, node.summary, node.step);
      case "info": {
        const item = new vscode.TreeItem(node.message);
        item.iconPath = new vscode.ThemeIcon("info");
        return item;
      }
    }
  }

  getParent(node: DatasetNode): DatasetNode | undefined {
    if (isRewardLogNode(node)) return this.rewardLogs.parent(node);
    if (node.kind === "step") return { kind: "record", dataset: node.dataset, summary: node.summary };
    return node.kind === "dataset" ? undefined : { kind: "dataset", dataset: node.dataset };
  }

  private datasetItem(d: OpenDataset): vscode.TreeItem {
    const item = new vscode.TreeItem(
      d.synthesis ? `${path.basename(d.synthesis.dir)} (synthesis)` : path.basename(d.file),
      vscode.TreeItemCollapsibleState.Expanded,
    );
    item.id = `dataset:${d.file}`;
    const total = d.index.filter(d.filter).length;
    const filter = describeFilter(d.filter);
    const { compared, agree } = d.index.agreement();
    const parts = [filter ? `${total} of ${d.index.size} (filtered)` : `${d.index.size} records`];
    if (compared) parts.push(`${agree}/${compared} agree`);
    item.description = parts.join(" · ");
    item.tooltip =
      `${d.file}\n${d.index.size} records, ${d.index.stats.badRecords} unreadable; format ${d.index.detected.format}` +
      (compared ? `\nPredicted first error agrees with the ground truth on ${agree} of ${compared} records` : "") +
      (filter ? `\nFilter: ${filter} (${total} of ${d.index.size} records)` : "");
    item.iconPath = new vscode.ThemeIcon("database");
    item.contextValue = filter ? "steplensDataset.filtered" : "steplensDataset";
    item.resourceUri = vscode.Uri.file(d.file);
    return item;
  }

  private recordItem(d: OpenDataset, s: RecordSummary): vscode.TreeItem {
    const item = new vscode.TreeItem(s.id);
    item.id = `record:${d.file}#${s.record}`;
    const labelled = this.ctx.labels.hasRecordLabels(d.file, s.id);
    if (s.bad) {
      // A bad record has no id of its own: name it by its record index and line.
      item.label = `record ${s.record}`;
      item.description = `line ${s.line} · unreadable`;
      item.iconPath = new vscode.ThemeIcon("warning");
      item.tooltip = s.error ? errorMessage(s.error) : "This record could not be read.";
    } else {
      // Short enough for the default side bar width ("step 2 → step 3 ✗"); the tooltip says it in words.
      item.description = recordDescription(s.groundTruth, s.prediction, s.agreement, labelled);
      item.iconPath = new vscode.ThemeIcon(s.agreement === null ? (labelled ? "tag" : "circle-outline") : s.agreement ? "pass" : "error");
      const md = new vscode.MarkdownString();
      md.appendText(`${s.id} — record ${s.record} (line ${s.line}), ${s.steps} steps\n`);
      md.appendText(`Ground-truth first error: ${firstErrorText(s.groundTruth)}\nPredicted first error: ${firstErrorText(s.prediction)}\n`);
      if (s.score !== null) md.appendText(`Lowest step score: ${s.score.toFixed(2)}\n`);
      if (s.agreement !== null) md.appendText(s.agreement ? "Agrees with the ground truth.\n" : "Disagrees with the ground truth.\n");
      if (labelled) md.appendText("Has human labels.\n");
      item.tooltip = md;
      item.command = { title: "Open Record", command: CommandId.openRecord, arguments: [{ dataset: d.file, record: s.record, id: s.id }] };
    }
    if (d.synthesis && !s.bad) {
      item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
      item.description = `${synthesisRecordDescription(d.synthesis, s)}${labelled ? " · labelled" : ""}`;
    }
    item.contextValue = "steplensRecord";
    return item;
  }

  /** A record document was scored: its PRM first error becomes the record's prediction. */
  private recordScored(uri: vscode.Uri): void {
    if (uri.scheme !== RECORD_SCHEME) return;
    const ref = parseRecordUri(uri);
    const d = ref && this.get(ref.dataset);
    if (!ref || !d || ref.record >= d.index.size) return;
    const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
    const a = document && this.ctx.annotations.annotations(document);
    if (!a || a.firstErrorBy.prm === null) return;
    d.index.setPrediction(ref.record, a.firstErrorBy.prm);
    const scores = a.steps.map((s) => s.score).filter((x): x is number => x !== null);
    d.index.setScore(ref.record, scores.length ? Math.min(...scores) : null);
    this.emitter.fire();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.rewardLogs.dispose();
    this.emitter.dispose();
    this.datasets.clear();
  }
}

/** The dataset a filter command acts on: the tree node it was run on, the only open one, or a pick. */
export async function pickDataset(tree: DatasetTree, arg: unknown): Promise<OpenDataset | undefined> {
  if (arg && typeof arg === "object" && (arg as DatasetNode).kind === "dataset") return tree.get((arg as { dataset: OpenDataset }).dataset.file);
  if (typeof arg === "string") return tree.get(arg);
  if (arg instanceof vscode.Uri) return tree.get(arg.fsPath);
  return pickOpenFile(tree.list(), "StepLens: open a dataset first (StepLens: Open Dataset…).", "StepLens: which dataset?");
}

/** "Open Dataset…": the explorer's file, or a file picked in a dialog. */
export async function openDatasetCommand(ctx: StepLensContext, arg: unknown): Promise<OpenDataset | undefined> {
  let uri = arg instanceof vscode.Uri ? arg : typeof arg === "string" ? vscode.Uri.file(arg) : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: "StepLens: open a dataset",
      canSelectMany: false,
      filters: { "Datasets (JSON, JSONL)": ["json", "jsonl", "ndjson"], "All files": ["*"] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  if (uri.scheme !== "file") throw new Error("StepLens reads datasets from files on disk.");
  try {
    const d = await ctx.datasets.open(uri.fsPath);
    await vscode.commands.executeCommand(`${DATASETS_VIEW}.focus`);
    return d;
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    throw e;
  }
}

/** "Filter by Label…": correct / any error / first error at a given step. */
export async function filterByLabel(tree: DatasetTree, arg: unknown): Promise<void> {
  const d = await pickDataset(tree, arg);
  if (!d) return;
  const pick = await vscode.window.showQuickPick(
    [
      { label: "Any label", value: undefined as DatasetFilter["label"] },
      { label: "All steps correct", description: "ground-truth first error −1", value: "correct" as const },
      { label: "Has an error", description: "any ground-truth first error", value: "error" as const },
      { label: "First error at step…", description: "a given step", value: -100 },
    ],
    { title: `StepLens: filter ${path.basename(d.file)} by ground-truth label` },
  );
  if (!pick) return;
  let label = pick.value;
  if (label === -100) {
    const text = await vscode.window.showInputBox({
      title: "First error at step (1-based)",
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : "a step number, 1 or more"),
    });
    if (!text) return;
    label = Number(text) - 1;
  }
  const { label: _old, ...rest } = d.filter;
  tree.setFilter(d, label === undefined ? rest : { ...rest, label });
}

/** "Filter by Score Range…": records whose lowest step score lies in [min, max]. */
export async function filterByScore(tree: DatasetTree, arg: unknown): Promise<void> {
  const d = await pickDataset(tree, arg);
  if (!d) return;
  const text = await vscode.window.showInputBox({
    title: `StepLens: filter ${path.basename(d.file)} by score (lowest step score of scored records)`,
    prompt: "min-max, e.g. 0-0.5; empty to remove the score filter",
    value: d.filter.scoreRange ? `${d.filter.scoreRange.min}-${d.filter.scoreRange.max}` : "0-0.5",
    validateInput: (v) => (v.trim() === "" || parseRange(v) ? undefined : "two numbers from 0 to 1, like 0-0.5"),
  });
  if (text === undefined) return;
  const { scoreRange: _old, ...rest } = d.filter;
  const range = parseRange(text);
  tree.setFilter(d, range ? { ...rest, scoreRange: range } : rest);
}

export function parseRange(text: string): { min: number; max: number } | undefined {
  const m = /^\s*(\d*\.?\d+)\s*(?:-|–|to|,)\s*(\d*\.?\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  return min >= 0 && max <= 1 && min <= max ? { min, max } : undefined;
}

/** Shows the tree in the StepLens view container. */
export function registerDatasetView(ctx: StepLensContext): vscode.Disposable {
  const view = vscode.window.createTreeView(DATASETS_VIEW, { treeDataProvider: ctx.datasets, showCollapseAll: true });
  return view;
}
