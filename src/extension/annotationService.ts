/**
 * The glue between trace documents and the annotation features (hover, diagnostics, decorations,
 * code lenses, inspector, dataset tree): per document it runs the scoring scheduler with the
 * shared engine, keeps the latest PRM result and verification, reads human labels, builds the
 * TraceAnnotations view model on demand and fires `onDidChange(uri)` when any of it changes.
 *
 * When it runs (steplens.run.trigger): on open and save by default; also while typing (debounced)
 * with "type"; only from commands with "demand" (opening still shows a cached result). After an
 * edit the engine gets the document URI as its prefix-reuse key, so only the steps from the first
 * changed one are evaluated again; until the new result lands, the steps before the first changed
 * step keep their scores and the rest show as not scored. Results are cached by content hash in
 * workspace storage, so reopening a file shows its scores at once. Work that takes longer than a
 * moment shows a cancellable progress notification; nothing here blocks typing.
 */
import path from "node:path";
import * as vscode from "vscode";
import { contentKey, ResultCache } from "../annotations/resultCache";
import { ScoringScheduler, type ScoringDocument, type ScoringEvent, type ScoringOutcome } from "../annotations/scoringScheduler";
import { buildAnnotations, type TraceAnnotations, type VerificationView } from "../annotations/stepAnnotations";
import { verificationViewOf } from "../annotations/verificationView";
import { CancelledError, errorMessage } from "../core/errors";
import type { Trace } from "../core/trace";
import type { ScoreResult } from "../engines/engine";
import { resolveTemplate } from "../verify/templates";
import { verifyTrace } from "../verify/verifyPipeline";
import { HAS_SCORES } from "./commandIds";
import type { Configuration } from "./configuration";
import { isDemoModel, useDemoModel } from "./demoModel";
import type { EngineHost } from "./engineHost";
import type { LabelStores } from "./labelStores";
import { fileLabel, type TraceDocuments } from "./traceDocuments";

/** The last PRM result that landed for a document, with the trace it scored. */
export interface LandedScore {
  version: number;
  trace: Trace;
  result: ScoreResult;
  fromCache: boolean;
  /** When it landed (performance.now()). */
  at: number;
}

interface DocState {
  document: vscode.TextDocument;
  landed?: LandedScore;
  verification?: { stepsKey: string; view: VerificationView };
  built?: { version: number; stamp: number; annotations: TraceAnnotations };
  lastErrorShown?: string;
}

/** Delay before long work gets a progress notification (quick cache hits never show one). */
const PROGRESS_DELAY_MS = 1200;
/** Coalesces change events while typing. */
const EDIT_EVENT_DELAY_MS = 120;

export class AnnotationService implements vscode.Disposable {
  private readonly docs = new Map<string, DocState>();
  private readonly scheduler: ScoringScheduler;
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly scoredEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; outcome: ScoringOutcome }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly editTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Bumped whenever something every document's annotations depend on changes (settings, labels). */
  private stamp = 0;
  private queued = 0;
  private progress: { report(message: string): void; done(): void } | null = null;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private lastProgressMessage = "";
  private offeredModel = false;
  private hasScores = false;
  private readonly cache: ResultCache<ScoreResult>;

  /** A document's annotations changed (results, labels, settings, or an edit). */
  readonly onDidChange = this.emitter.event;
  /** A PRM result landed for a document (from the engine or the cache). */
  readonly onDidScore = this.scoredEmitter.event;
  private readonly queueEmitter = new vscode.EventEmitter<number>();
  /** Scoring requests running + waiting changed. */
  readonly onDidChangeQueue = this.queueEmitter.event;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly configuration: Configuration,
    private readonly traces: TraceDocuments,
    private readonly engines: EngineHost,
    private readonly labels: LabelStores,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const storage = extension.storageUri ?? extension.globalStorageUri;
    this.cache = new ResultCache<ScoreResult>(path.join(storage.fsPath, "scores"), {}, isScoreResult);
    this.scheduler = new ScoringScheduler({
      engine: () => this.engines.usable(),
      settings: () => ({ trigger: this.config.run.trigger, debounceMs: this.config.run.debounceMs, cacheIdentity: this.engines.cacheIdentity() }),
      cache: this.cache,
      onResult: (outcome) => this.land(outcome),
      onError: (key, version, e) => this.failed(key, version, e),
      onQueueChange: (q) => this.queueChanged(q),
      onProgress: (key, p) => {
        const name = this.docs.get(key) ? path.basename(fileLabel(this.docs.get(key)!.document.uri)) : "";
        const amount = p.total ? ` (${p.done}/${p.total})` : "";
        this.reportProgress(`${name}: ${p.message ?? "scoring"}${amount}`);
      },
    });

    this.subscriptions.push(
      traces.onDidChange((e) => {
        if (!e.isTrace) {
          this.forget(e.document);
          return;
        }
        if (e.reason === "edit") this.edited(e.document);
        else this.notify("open", e.document);
      }),
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (this.traces.isTrace(document)) this.notify("save", document);
      }),
      configuration.onDidChange((e) => {
        if (e.affects("prm.threshold") || e.affects("annotations") || e.affects("verify.samples")) this.invalidateAll();
      }),
      engines.onDidChange(({ replaced }) => {
        if (!replaced) return;
        // Another model or engine: its results differ. Score open traces again (per the trigger; the
        // cache answers for results this model already produced).
        for (const s of this.docs.values()) this.scheduler.cancel(key(s.document));
        for (const document of this.traces.traceDocuments()) this.notify("open", document);
        this.invalidateAll();
      }),
      labels.onDidChange(() => this.invalidateAll()),
    );
    // Traces already open when the extension starts.
    for (const document of this.traces.traceDocuments()) this.notify("open", document);
  }

  private get config() {
    return this.configuration.current;
  }

  /** The annotations of `document` at its current version, or undefined when it is not a (parsable) trace. */
  annotations(document: vscode.TextDocument): TraceAnnotations | undefined {
    const trace = this.traces.get(document);
    if (!trace) return undefined;
    const state = this.state(document);
    if (state.built && state.built.version === document.version && state.built.stamp === this.stamp) return state.built.annotations;
    const score = effectiveScore(state.landed, trace);
    const stepsKey = contentKey({ problem: trace.problem, steps: trace.steps.map((s) => s.text) });
    const verification = state.verification?.stepsKey === stepsKey ? state.verification.view : null;
    const annotations = buildAnnotations({
      trace,
      threshold: this.config.prm.threshold,
      score,
      verification,
      labels: this.labels.labelsFor(document.uri),
      demo: score ? isDemoModel(score.model) : false,
    });
    state.built = { version: document.version, stamp: this.stamp, annotations };
    return annotations;
  }

  /** The last PRM result for `document` (it may be for an older version; see `landed.version`). */
  landed(document: vscode.TextDocument): LandedScore | undefined {
    return this.docs.get(key(document))?.landed;
  }

  /** Scoring requests running + waiting. */
  get queueLength(): number {
    return this.queued;
  }

  /** Resolves when no scoring is running, waiting or debouncing. */
  whenIdle(): Promise<void> {
    return this.scheduler.whenIdle();
  }

  /**
   * Scores `document` now, skipping the result cache (the re-score command), and resolves with the
   * result once it landed (undefined when it was cancelled or failed; failures are reported).
   */
  async score(document: vscode.TextDocument): Promise<ScoreResult | undefined> {
    const blocked = this.engines.blocker();
    if (blocked?.kind === "unconfigured") {
      await this.offerModel(blocked.reason, true);
      if (this.engines.blocker()) return undefined;
    } else if (blocked) {
      throw new Error(blocked.kind === "restricted" ? blocked.reason : "no engine");
    }
    const version = document.version;
    this.notify("demand", document, true);
    const k = key(document);
    const landed = new Promise<ScoreResult | undefined>((resolve) => {
      const sub = this.onDidScore(({ uri, outcome }) => {
        if (uri.toString() === k && outcome.version >= version) {
          sub.dispose();
          resolve(outcome.result);
        }
      });
      void this.scheduler.whenIdle().then(() => {
        sub.dispose();
        const last = this.docs.get(k)?.landed;
        resolve(last && last.version >= version ? last.result : undefined);
      });
    });
    return landed;
  }

  /** K verifications of `document`'s trace, aggregated; shown as verdict counts, critiques and diagnostics. */
  async verify(document: vscode.TextDocument): Promise<VerificationView | undefined> {
    const trace = this.traces.get(document);
    if (!trace) throw new Error(`${fileLabel(document.uri)} is not a trace StepLens can read.`);
    if (!trace.steps.length) throw new Error(`${fileLabel(document.uri)} has no steps to verify.`);
    const c = this.config;
    const verifierSpec = c.engine.kind === "openai" ? c.openai.model : c.models.verifier;
    if (!verifierSpec.trim()) {
      const choose = "Choose Verifier Model…";
      const demo = "Use Demo Model";
      const pick = await vscode.window.showWarningMessage(
        c.engine.kind === "openai" ? "StepLens: no verifier model is set (steplens.openai.model)." : "StepLens: no verifier model is set (steplens.models.verifier).",
        choose,
        demo,
      );
      if (pick === choose) await vscode.commands.executeCommand("steplens.chooseModel", "verifier");
      else if (pick === demo) await useDemoModel(this.extension.globalStorageUri, this.log);
      return undefined;
    }
    const engine = await this.engines.get();
    const folder = vscode.workspace.getWorkspaceFolder(document.uri) ?? vscode.workspace.workspaceFolders?.[0];
    const template = resolveTemplate(c.verify.promptTemplate, folder?.uri.fsPath ?? path.dirname(document.uri.fsPath));
    const steps = trace.steps.map((s) => s.text);
    const stepsKey = contentKey({ problem: trace.problem, steps });
    const name = path.basename(fileLabel(document.uri));
    const demo = c.engine.kind === "local" && isDemoModel(this.engines.resolveModelSpec(verifierSpec));
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `StepLens: verifying ${name} (×${c.verify.samples})`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        let last = 0;
        try {
          return await verifyTrace(
            engine,
            { problem: trace.problem, steps },
            {
              template,
              samples: c.verify.samples,
              temperature: c.verify.temperature,
              tau: c.verify.tau,
              aggregate: c.verify.aggregate,
              metaCritique: c.verify.metaCritique,
              // A random-weight demo model cannot follow a format: constrain it so the pipeline still runs end to end.
              constrained: c.verify.constrained || demo ? (demo ? { maxCritiqueChars: 80 } : true) : false,
              seed: 1,
            },
            {
              signal: controller.signal,
              onProgress: (p) => {
                const pct = p.total ? Math.round((100 * p.done) / p.total) : 0;
                progress.report({ message: p.message, increment: Math.max(0, pct - last) });
                last = Math.max(last, pct);
              },
            },
          );
        } finally {
          sub.dispose();
        }
      },
    ).then(
      (r) => r,
      (e: unknown) => {
        if (e instanceof CancelledError) return undefined;
        throw e;
      },
    );
    if (!result) return undefined;
    const view = verificationViewOf(result, verifierSpec);
    this.state(document).verification = { stepsKey, view };
    this.log.info(`verified ${name}: K=${view.samples}, first error ${view.firstError ?? "?"} in ${result.seconds.toFixed(2)} s`);
    this.changed(document);
    return view;
  }

  /** Removes the cached results of this workspace. */
  async clearCache(): Promise<void> {
    await this.cache.clear();
  }

  cacheStats() {
    return this.cache.stats();
  }

  /** Cancels every scoring request (the progress notification's Cancel). */
  cancelAll(): void {
    for (const s of this.docs.values()) this.scheduler.cancel(key(s.document));
  }

  // ------------------------------------------------------------------ events

  private notify(event: ScoringEvent, document: vscode.TextDocument, force = false): void {
    if (!this.traces.isTrace(document)) return;
    const state = this.state(document);
    state.document = document;
    if (event !== "demand" && this.config.run.trigger !== "demand") {
      const blocked = this.engines.blocker();
      if (blocked?.kind === "unconfigured") void this.offerModel(blocked.reason, false);
    }
    this.scheduler.notify(event, this.scoringDocument(document), { force });
  }

  private edited(document: vscode.TextDocument): void {
    this.state(document).document = document;
    this.scheduler.notify("edit", this.scoringDocument(document));
    const k = key(document);
    const pending = this.editTimers.get(k);
    if (pending) clearTimeout(pending);
    this.editTimers.set(
      k,
      setTimeout(() => {
        this.editTimers.delete(k);
        this.emitter.fire(document.uri);
      }, EDIT_EVENT_DELAY_MS),
    );
  }

  private scoringDocument(document: vscode.TextDocument): ScoringDocument {
    const version = document.version;
    return {
      key: key(document),
      version,
      trace: () => (document.isClosed || document.version !== version ? undefined : this.traces.get(document)),
    };
  }

  private land(outcome: ScoringOutcome): void {
    const state = this.docs.get(outcome.key);
    if (!state) return;
    state.landed = { version: outcome.version, trace: outcome.trace, result: outcome.result, fromCache: outcome.fromCache, at: performance.now() };
    state.lastErrorShown = undefined;
    const r = outcome.result;
    this.log.info(
      `${outcome.fromCache ? "cached scores" : "scored"} ${fileLabel(state.document.uri)} v${outcome.version}: ${r.steps.length} steps` +
        (outcome.fromCache ? "" : `, ${r.evaluatedTokens} of ${r.traceTokens} tokens evaluated in ${r.seconds.toFixed(3)} s`),
    );
    if (!this.hasScores) {
      this.hasScores = true;
      void vscode.commands.executeCommand("setContext", HAS_SCORES, true);
    }
    this.changed(state.document);
    this.scoredEmitter.fire({ uri: state.document.uri, outcome });
  }

  private failed(k: string, version: number, e: unknown): void {
    const state = this.docs.get(k);
    const message = errorMessage(e);
    this.log.error(`scoring ${state ? fileLabel(state.document.uri) : k} v${version} failed: ${message}`);
    if (!state || state.lastErrorShown === message) return;
    state.lastErrorShown = message;
    const output = "Show Output";
    const choose = "Choose Model…";
    void vscode.window.showErrorMessage(`StepLens: scoring failed: ${message}`, output, choose).then((pick) => {
      if (pick === output) this.log.show(true);
      else if (pick === choose) void vscode.commands.executeCommand("steplens.chooseModel", "prm");
    });
  }

  private forget(document: vscode.TextDocument): void {
    const k = key(document);
    this.scheduler.close(k);
    const timer = this.editTimers.get(k);
    if (timer) clearTimeout(timer);
    this.editTimers.delete(k);
    if (this.docs.delete(k)) this.emitter.fire(document.uri);
  }

  /** Once per session, when a trace would be scored but no model is set: offer the demo model or a real one. */
  private async offerModel(reason: string, asked: boolean): Promise<void> {
    if (this.offeredModel && !asked) return;
    this.offeredModel = true;
    const demo = "Use Demo Model";
    const choose = "Choose Model…";
    const pick = await vscode.window.showInformationMessage(
      this.config.engine.kind === "openai"
        ? `StepLens: ${reason}`
        : "StepLens: no PRM model is set, so traces are not scored yet. Choose or download one, or try the demo model: generated here with random weights, no download — it shows how StepLens works, but its scores are meaningless.",
      demo,
      choose,
    );
    if (pick === demo) await useDemoModel(this.extension.globalStorageUri, this.log);
    else if (pick === choose) await vscode.commands.executeCommand("steplens.chooseModel", "prm");
  }

  private queueChanged(queued: number): void {
    this.queued = queued;
    this.queueEmitter.fire(queued);
    if (queued > 0) {
      if (!this.progress && this.progressTimer === undefined) {
        this.progressTimer = setTimeout(() => {
          this.progressTimer = undefined;
          if (this.queued > 0) this.showProgress();
        }, PROGRESS_DELAY_MS);
      }
    } else {
      if (this.progressTimer !== undefined) clearTimeout(this.progressTimer);
      this.progressTimer = undefined;
      this.progress?.done();
      this.progress = null;
    }
  }

  private showProgress(): void {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "StepLens", cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => {
          this.log.info("scoring cancelled from the progress notification");
          this.cancelAll();
        });
        this.progress = {
          report: (message) => progress.report({ message }),
          done: finish,
        };
        progress.report({ message: this.lastProgressMessage || `scoring (${this.queued} queued)` });
        return finished;
      },
    );
  }

  private reportProgress(message: string): void {
    this.lastProgressMessage = message;
    this.progress?.report(message);
  }

  private state(document: vscode.TextDocument): DocState {
    const k = key(document);
    let s = this.docs.get(k);
    if (!s) this.docs.set(k, (s = { document }));
    return s;
  }

  private changed(document: vscode.TextDocument): void {
    const s = this.docs.get(key(document));
    if (s) s.built = undefined;
    this.emitter.fire(document.uri);
  }

  private invalidateAll(): void {
    this.stamp++;
    for (const s of this.docs.values()) this.emitter.fire(s.document.uri);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const t of this.editTimers.values()) clearTimeout(t);
    if (this.progressTimer !== undefined) clearTimeout(this.progressTimer);
    this.progress?.done();
    this.scheduler.dispose();
    this.emitter.dispose();
    this.scoredEmitter.dispose();
    this.queueEmitter.dispose();
  }
}

function key(document: vscode.TextDocument): string {
  return document.uri.toString();
}

/**
 * The part of the last result that still holds for `trace`: all of it when the problem and steps are
 * unchanged; after an edit, the scores of the steps before the first changed one (a PRM's score of a
 * step depends only on the problem and the steps up to it); nothing when the problem changed.
 */
export function effectiveScore(landed: LandedScore | undefined, trace: Trace): ScoreResult | null {
  if (!landed) return null;
  const before = landed.trace;
  if (before.problem !== trace.problem) return null;
  let same = 0;
  const n = Math.min(before.steps.length, trace.steps.length);
  while (same < n && before.steps[same].text === trace.steps[same].text) same++;
  if (same === before.steps.length && same === trace.steps.length) return landed.result;
  return { ...landed.result, steps: landed.result.steps.filter((s) => s.index < same) };
}

function isScoreResult(v: unknown): v is ScoreResult {
  if (!v || typeof v !== "object") return false;
  const o = v as Partial<ScoreResult>;
  return (
    Array.isArray(o.steps) &&
    o.steps.every((s) => s && typeof s.index === "number" && typeof s.score === "number") &&
    typeof o.model === "string" &&
    typeof o.adapter === "string" &&
    typeof o.evaluatedTokens === "number" &&
    typeof o.traceTokens === "number" &&
    typeof o.seconds === "number"
  );
}
