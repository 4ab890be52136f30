/**
 * The dataset dashboard ("StepLens: Open Dataset Dashboard" on a dataset in the StepLens Datasets
 * tree): a webview (dist/dashboard.js from webview/dashboard.ts) fed with summaries that the host
 * computes (src/inspector/dashboardModel.ts) from the dataset's index plus whatever scores exist:
 * step scores of records scored in the editor, an `eval processbench --out` folder (raw.jsonl), or
 * predictions (a predictions file loaded in the tree or here). The webview never gets the records:
 * a threshold move is one validated message, answered with the recomputed metrics.
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { errorMessage } from "../core/errors";
import { isDemoModel } from "../engines/local/demoModelName";
import { DashboardModel, dashboardRecords } from "../inspector/dashboardModel";
import { parseDashboardMessage, type DashboardHostMessage, type DashboardSummary, type DashboardWebviewMessage } from "../inspector/protocol";
import { matchScores, readScoresFile, scoresMatchMessage } from "../inspector/scoresFile";
import { CommandId, RECORD_SCHEME } from "./commandIds";
import type { StepLensContext } from "./context";
import { pickDataset, type OpenDataset } from "./datasetTree";
import { parseRecordUri } from "./recordDocuments";
import { registerInspectorSerializer } from "./inspectorPanel";
import { webviewOptions } from "./webviewHtml";
import { WebviewPanelHost } from "./webviewPanelHost";

export const DASHBOARD_VIEW_TYPE = "steplens.datasetDashboard";

/** Scores and predictions attached to one dataset (by record id). */
interface ScoreStore {
  scores: Map<string, number[]>;
  predictions: Map<string, number>;
  subsets: Map<string, string>;
  sources: Set<string>;
  demo: boolean;
}

export interface DashboardTimings {
  /** From the command to the summary being computed on the host. */
  summaryMs: number | null;
  /** From the command to the webview's first drawn chart. */
  firstChartMs: number | null;
  /** Host time of the last threshold recomputation. */
  lastViewMs: number | null;
}

export class DashboardPanel extends WebviewPanelHost<DashboardHostMessage> {
  private dataset: OpenDataset | undefined;
  private model: DashboardModel | null = null;
  private modelFor: { dataset: OpenDataset; version: number } | null = null;
  private version = 0;
  private threshold = 0.5;
  private openedAt = 0;
  private readonly stores = new Map<string, ScoreStore>();
  /** The last summary sent (tests read it). */
  lastSummary: DashboardSummary | null = null;
  readonly timings: DashboardTimings = { summaryMs: null, firstChartMs: null, lastViewMs: null };

  constructor(private readonly ctx: StepLensContext) {
    super(ctx.extension.extensionUri);
    this.subscriptions.push(
      ctx.annotations.onDidScore(({ uri }) => this.recordScored(uri)),
      ctx.datasets.onDidChangeTreeData(() => {
        // Predictions loaded in the tree, a refresh, a closed dataset: summarise again (lazily).
        this.version++;
        if (this.panel && this.dataset) {
          const still = ctx.datasets.get(this.dataset.file);
          if (!still) this.send({ type: "empty", reason: `${path.basename(this.dataset.file)} was closed in the Datasets view.` });
          else {
            this.dataset = still;
            this.postSummary();
          }
        }
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens the dashboard for `dataset` (optionally attaching a scores/predictions file first). */
  async show(dataset: OpenDataset, scoresFile?: string): Promise<void> {
    this.openedAt = performance.now();
    this.timings.summaryMs = this.timings.firstChartMs = null;
    this.dataset = dataset;
    this.threshold = this.ctx.configuration.current.prm.threshold;
    await this.attachScores(dataset, scoresFile);
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        DASHBOARD_VIEW_TYPE,
        this.title(dataset),
        { viewColumn: vscode.ViewColumn.Active },
        webviewOptions(this.ctx.extension.extensionUri),
      );
      this.attach(panel);
    } else {
      this.panel.title = this.title(dataset);
      this.panel.reveal();
      this.postSummary();
    }
  }

  /** Attaches `scoresFile`, or else (when nothing is attached yet) an eval run found beside the dataset. */
  private async attachScores(dataset: OpenDataset, scoresFile?: string): Promise<void> {
    const found = scoresFile ?? (this.store(dataset.file).sources.size ? undefined : findEvalRun(dataset.file));
    if (!found) return;
    try {
      await this.loadScores(found, { quiet: !scoresFile });
    } catch (e) {
      if (scoresFile) throw e;
      this.ctx.log.warn(`dashboard: ${found}: ${errorMessage(e)}`);
    }
  }

  /** The serializer's entry after a reload: reopen the dataset the webview was showing. */
  async restore(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    if (this.panel) {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.ctx.extension.extensionUri);
    const s = typeof saved === "object" && saved !== null ? (saved as { summary?: { file?: unknown }; threshold?: unknown }) : {};
    this.openedAt = performance.now();
    if (typeof s.threshold === "number" && s.threshold >= 0 && s.threshold <= 1) this.threshold = s.threshold;
    if (typeof s.summary?.file === "string" && fs.existsSync(s.summary.file)) {
      try {
        this.dataset = await this.ctx.datasets.open(s.summary.file);
        panel.title = this.title(this.dataset);
        await this.attachScores(this.dataset);
      } catch (e) {
        this.ctx.log.warn(`dashboard: cannot reopen ${s.summary.file} after the reload (${errorMessage(e)})`);
      }
    }
    this.attach(panel);
  }

  /** Attaches step scores or predictions from an eval --out folder, a raw.jsonl or a predictions file. */
  async loadScores(
    target: string,
    opts: { quiet?: boolean } = {},
  ): Promise<{ scores: number; predictions: number; bad: number; matched: number; message: string }> {
    const dataset = this.dataset;
    if (!dataset) throw new Error("open a dataset dashboard first");
    const read = await readScoresFile(target);
    const match = matchScores(read, (id) => dataset.index.recordOf(id) >= 0, { name: path.basename(dataset.file), size: dataset.index.size });
    const matched = match.matchedScores + match.matchedPredictions;
    const message = scoresMatchMessage(path.basename(read.file), match);
    // A run found by looking around (not chosen) that is about other records is left alone.
    if (opts.quiet && matched === 0) return { scores: 0, predictions: 0, bad: read.bad, matched, message };
    const store = this.store(dataset.file);
    for (const [id, s] of read.scores) store.scores.set(id, s);
    for (const [id, p] of read.predictions) store.predictions.set(id, p);
    for (const [id, s] of read.subsets) store.subsets.set(id, s);
    store.sources.add(path.basename(path.dirname(read.file)) + "/" + path.basename(read.file));
    // A run folder says which model produced the scores: the demo model's are labelled as meaningless.
    const runJson = path.join(path.dirname(read.file), "run.json");
    try {
      const model = (JSON.parse(fs.readFileSync(runJson, "utf8")) as { config?: { model?: unknown } }).config?.model;
      if (typeof model === "string" && isDemoModel(model)) store.demo = true;
    } catch {
      // no run.json: nothing to say about the model
    }
    for (const p of read.problems.slice(0, 5)) this.ctx.log.warn(`${read.file}:${p.line}: ${p.message}; line skipped`);
    this.version++;
    this.postSummary();
    this.ctx.log.info(
      `dashboard: ${read.file}: ${read.scores.size} records with step scores, ${read.predictions.size} predictions, ${matched} matching ${path.basename(dataset.file)}`,
    );
    return { scores: read.scores.size, predictions: read.predictions.size, bad: read.bad, matched, message };
  }

  /** Handles one message as if the webview had sent it (the webview's channel, and the tests). */
  override async receive(raw: unknown): Promise<void> {
    const m = parseDashboardMessage(raw);
    if (!m) {
      this.ctx.log.warn(`dashboard: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    try {
      await this.handle(m);
    } catch (e) {
      this.ctx.log.error(`dashboard: ${errorMessage(e)}`);
      void vscode.window.showErrorMessage(`StepLens: ${errorMessage(e)}`);
    }
  }

  private async handle(m: DashboardWebviewMessage): Promise<void> {
    switch (m.type) {
      case "ready":
        this.ready = true;
        this.postSummary();
        return;
      case "rendered":
        this.timings.firstChartMs ??= performance.now() - this.openedAt;
        this.ctx.log.info(
          `dashboard: first chart ${this.timings.firstChartMs.toFixed(0)} ms after opening (summary ${this.timings.summaryMs?.toFixed(0) ?? "?"} ms)`,
        );
        return;
      case "threshold": {
        const model = this.currentModel();
        if (!model) return;
        this.threshold = m.value;
        const view = model.view(m.value);
        this.timings.lastViewMs = view.computeMs;
        this.send({ type: "view", view });
        return;
      }
      case "select": {
        const model = this.currentModel();
        if (!model) return;
        const r = model.select(m.selection, this.threshold);
        this.send({ type: "records", selection: m.selection, ...r });
        return;
      }
      case "openRecord": {
        const d = this.dataset;
        if (!d || m.record >= d.index.size) return;
        await vscode.commands.executeCommand(CommandId.openRecord, { dataset: d.file, record: m.record, id: d.index.id(m.record) });
        return;
      }
      case "saveThreshold": {
        const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
        await vscode.workspace.getConfiguration("steplens").update("prm.threshold", m.value, target);
        this.send({ type: "saved", threshold: m.value });
        void vscode.window.showInformationMessage(
          `StepLens: steplens.prm.threshold is now ${m.value} (${target === vscode.ConfigurationTarget.Workspace ? "workspace" : "user"} settings).`,
        );
        return;
      }
      case "loadScores": {
        const picked = await vscode.window.showOpenDialog({
          title: "StepLens: step scores or predictions for this dataset",
          openLabel: "Load",
          canSelectFiles: true,
          canSelectFolders: true,
          filters: { "JSON lines": ["jsonl"], "All files": ["*"] },
          // Start beside the dataset, where `steplens eval --out` folders usually are.
          ...(this.dataset ? { defaultUri: vscode.Uri.file(path.dirname(this.dataset.file)) } : {}),
        });
        if (!picked?.[0]) return;
        const r = await this.loadScores(picked[0].fsPath);
        void vscode.window.showInformationMessage(`StepLens: ${r.message}`);
        return;
      }
    }
  }

  private store(file: string): ScoreStore {
    let s = this.stores.get(file);
    if (!s) this.stores.set(file, (s = { scores: new Map(), predictions: new Map(), subsets: new Map(), sources: new Set(), demo: false }));
    return s;
  }

  /** The model of the current dataset and scores (rebuilt only when either changed). */
  private currentModel(): DashboardModel | null {
    const d = this.dataset;
    if (!d) return null;
    if (this.model && this.modelFor?.dataset === d && this.modelFor.version === this.version) return this.model;
    const store = this.store(d.file);
    const fallback = path.basename(d.file).replace(/\.(jsonl|json|ndjson)$/i, "");
    const { records, fromIndex } = dashboardRecords(d.index, store, fallback);
    const sources = [...store.sources];
    if (fromIndex) sources.push(`${fromIndex} predictions from the Datasets view`);
    this.model = new DashboardModel({
      file: d.file,
      title: path.basename(d.file),
      format: d.index.detected.format,
      records,
      sources,
      settingsThreshold: this.ctx.configuration.current.prm.threshold,
      demo: store.demo,
    });
    this.modelFor = { dataset: d, version: this.version };
    return this.model;
  }

  private postSummary(): void {
    if (!this.panel || !this.ready) return;
    if (!this.dataset) {
      this.send({ type: "empty", reason: "Open a dataset in the StepLens Datasets view, then run “StepLens: Open Dataset Dashboard” on it." });
      return;
    }
    const model = this.currentModel();
    if (!model) return;
    const summary = model.summary(this.threshold);
    this.timings.summaryMs ??= performance.now() - this.openedAt;
    this.lastSummary = summary;
    this.send({ type: "summary", summary });
  }

  /** A record document of the shown dataset was scored: its step scores join the dashboard. */
  private recordScored(uri: vscode.Uri): void {
    if (uri.scheme !== RECORD_SCHEME) return;
    const ref = parseRecordUri(uri);
    if (!ref) return;
    const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
    const a = document && this.ctx.annotations.annotations(document);
    if (!a) return;
    const scores = a.steps.map((s) => s.score);
    if (!scores.length || scores.some((s) => s === null)) return;
    const store = this.store(path.resolve(ref.dataset));
    store.scores.set(ref.id, scores as number[]);
    if (a.demo) store.demo = true;
    store.sources.add("records scored in the editor");
    this.version++;
    if (this.dataset && path.resolve(this.dataset.file) === path.resolve(ref.dataset)) this.postSummary();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.attachPanel(panel, { script: "dashboard.js", title: "StepLens Dataset Dashboard" });
  }

  protected override onPanelClosed(): void {
    this.lastSummary = null;
  }

  private title(d: OpenDataset): string {
    return `Dashboard: ${path.basename(d.file)}`;
  }
}

/**
 * The newest `steplens eval processbench` run folder (its default `--out` is `steplens-eval-<scorer>`)
 * beside the dataset or at the top of a workspace folder, when it has a raw.jsonl.
 */
export function findEvalRun(datasetFile: string): string | undefined {
  const dirs = [path.dirname(datasetFile), ...(vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath)];
  let best: { file: string; mtime: number } | undefined;
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.startsWith("steplens-eval-"));
    } catch {
      continue;
    }
    for (const n of names) {
      const file = path.join(dir, n, "raw.jsonl");
      try {
        const st = fs.lstatSync(file);
        if (st.isFile() && (!best || st.mtimeMs > best.mtime)) best = { file, mtime: st.mtimeMs };
      } catch {
        // not a run folder
      }
    }
  }
  return best?.file;
}

/**
 * "StepLens: Open Dataset Dashboard": the tree's dataset node, a file path or URI (opened in the
 * tree first when needed), or `{dataset, scores?}` with a scores/predictions file to attach.
 */
export async function openDashboardCommand(ctx: StepLensContext, dashboard: DashboardPanel, arg: unknown): Promise<boolean> {
  let scores: string | undefined;
  let target: unknown = arg;
  if (arg && typeof arg === "object" && !(arg instanceof vscode.Uri) && typeof (arg as { dataset?: unknown }).dataset === "string") {
    const o = arg as { dataset: string; scores?: unknown };
    target = o.dataset;
    if (typeof o.scores === "string") scores = o.scores;
  }
  let d: OpenDataset | undefined;
  const file = typeof target === "string" ? target : target instanceof vscode.Uri ? target.fsPath : undefined;
  if (file && !ctx.datasets.get(file)) d = await ctx.datasets.open(file);
  else d = await pickDataset(ctx.datasets, target);
  if (!d) return false;
  await dashboard.show(d, scores);
  return true;
}

/** Restores the inspector and the dashboard after a window reload. */
export function registerWebviewSerializers(ctx: StepLensContext): vscode.Disposable {
  return vscode.Disposable.from(
    registerInspectorSerializer(ctx),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => ctx.dashboard.restore(panel, state),
    }),
  );
}
