/**
 * StepLensContext: the one object that owns everything the extension creates (output channel,
 * configuration, trace documents, the engine host, labels, annotations, datasets, the inspector,
 * providers, commands). `activate` creates it, `deactivate` disposes it; nothing else holds a
 * disposable. Nothing here loads a model: the engine starts on first use.
 */
import * as vscode from "vscode";
import type { TraceAnnotations } from "../annotations/stepAnnotations";
import type { Trace } from "../core/trace";
import type { ScoreResult } from "../engines/engine";
import type { InspectorState } from "../inspector/protocol";
import { AnnotationService, type LandedScore } from "./annotationService";
import { Configuration } from "./configuration";
import { DatasetTree } from "./datasetTree";
import { EngineHost, type EngineSnapshot } from "./engineHost";
import { DashboardPanel } from "./dashboardPanel";
import { InspectorPanel } from "./inspectorPanel";
import { LabelStores } from "./labelStores";
import { RecordDocuments } from "./recordDocuments";
import { TraceDocuments } from "./traceDocuments";
import { type Milestone, WALKTHROUGH_CONTEXT, WalkthroughProgress } from "./walkthroughProgress";

/** What `activate` returns: a small read-only API (also used by the integration tests). */
export interface StepLensApi {
  /** Whether StepLens treats `document` as a trace (its language, or `steplens.traces.filePatterns`). */
  isTrace(document: vscode.TextDocument): boolean;
  /** The parsed trace of `document` at its current version, or undefined. */
  getTrace(document: vscode.TextDocument): Trace | undefined;
  /** The annotations (scores, verdicts, labels) of `document` now, or undefined when it is not a trace. */
  getAnnotations(document: vscode.TextDocument): TraceAnnotations | undefined;
  /** The last PRM result for `document` (tokens evaluated, time), possibly for an older version. */
  getLastScore(document: vscode.TextDocument): (LandedScore & { result: ScoreResult }) | undefined;
  /** Fires when a document's annotations change. */
  onDidChangeAnnotations: vscode.Event<vscode.Uri>;
  /** Resolves when no scoring is running or waiting. */
  whenIdle(): Promise<void>;
  /** The engine's status, device, models and queue (what the status bar shows). */
  engineStatus(): EngineSnapshot;
  /** The StepLens Datasets tree's data provider. */
  datasets: DatasetTree;
  /** The state the inspector last showed (null when closed). */
  inspectorState(): InspectorState | null;
  /** The inspector and dataset dashboard panels (tests send them webview messages and read what they sent). */
  inspector: InspectorPanel;
  dashboard: DashboardPanel;
  /** The walkthrough milestones reached so far (what its steps tick on). */
  walkthroughDone(): string[];
}

export class StepLensContext implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly configuration: Configuration;
  readonly traces: TraceDocuments;
  readonly engines: EngineHost;
  readonly labels: LabelStores;
  readonly annotations: AnnotationService;
  readonly datasets: DatasetTree;
  readonly records: RecordDocuments;
  readonly inspector: InspectorPanel;
  readonly dashboard: DashboardPanel;
  readonly walkthrough: WalkthroughProgress;
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel("StepLens", { log: true }));
    this.configuration = this.own(new Configuration(this.log));
    this.traces = this.own(new TraceDocuments(this.configuration, this.log));
    this.engines = this.own(new EngineHost(this.configuration, extension.secrets, this.log));
    this.labels = this.own(new LabelStores(this.log));
    this.annotations = this.own(new AnnotationService(extension, this.configuration, this.traces, this.engines, this.labels, this.log));
    this.walkthrough = this.own(new WalkthroughProgress(extension.globalState, this.configuration));
    this.own(this.annotations.onDidScore(() => this.walkthrough.mark("scored")));
    this.own(this.labels.onDidChange((c) => c.reason === "mark" && this.walkthrough.mark("labelled")));
    const traceShown = () => {
      if (vscode.window.visibleTextEditors.some((e) => this.traces.isTrace(e.document))) this.walkthrough.mark("traceOpened");
    };
    traceShown();
    this.own(vscode.window.onDidChangeVisibleTextEditors(traceShown));
    this.own(this.traces.onDidChange(traceShown));
    this.datasets = this.own(new DatasetTree(this));
    this.records = this.own(new RecordDocuments(this.traces, (file) => this.datasets.indexOf(file)));
    this.inspector = this.own(new InspectorPanel(this));
    this.dashboard = this.own(new DashboardPanel(this));
  }

  /** Takes ownership of `disposable` (disposed with the context, last owned first). */
  own<T extends vscode.Disposable>(disposable: T): T {
    if (this.disposed) {
      disposable.dispose();
      throw new Error("StepLens is shutting down");
    }
    this.owned.push(disposable);
    return disposable;
  }

  get api(): StepLensApi {
    return {
      isTrace: (document) => this.traces.isTrace(document),
      getTrace: (document) => this.traces.get(document),
      getAnnotations: (document) => this.annotations.annotations(document),
      getLastScore: (document) => this.annotations.landed(document),
      onDidChangeAnnotations: this.annotations.onDidChange,
      whenIdle: () => this.annotations.whenIdle(),
      engineStatus: () => this.engines.snapshot(),
      datasets: this.datasets,
      inspectorState: () => this.inspector.lastState,
      inspector: this.inspector,
      dashboard: this.dashboard,
      walkthroughDone: () => (Object.keys(WALKTHROUGH_CONTEXT) as Milestone[]).filter((m) => this.walkthrough.has(m)),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.owned.length) {
      const d = this.owned.pop()!;
      try {
        d.dispose();
      } catch (e) {
        console.error("StepLens: dispose failed", e);
      }
    }
  }
}
