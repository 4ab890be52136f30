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
 * moment shows a cancellable progress notification (./queueProgress.ts); nothing here blocks typing.
 * Verification runs in ./verifyRunner.ts; its result is kept here with the scores.
 */
import path from "node:path";
import * as vscode from "vscode";
import { contentKey, ResultCache } from "../annotations/resultCache";
import { ScoringScheduler, type ScoringDocument, type ScoringEvent, type ScoringOutcome } from "../annotations/scoringScheduler";
import { buildAnnotations, type ProgressView, type TraceAnnotations, type VerificationView } from "../annotations/stepAnnotations";
import { errorMessage } from "../core/errors";
import type { Trace } from "../core/trace";
import type { ScoreResult } from "../engines/engine";
import { CommandId, HAS_SCORES } from "./commandIds";
import type { Configuration } from "./configuration";
import { isDemoModel } from "./demoModel";
import type { EngineHost } from "./engineHost";
import type { LabelStores } from "./labelStores";
import { noModelMessage, offerModel } from "./modelOnboarding";
import { QueueProgressNotification } from "./queueProgress";
import { documentKey, fileLabel, type TraceDocuments } from "./traceDocuments";
import { verifyDocument } from "./verifyRunner";

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
  private readonly progress = new QueueProgressNotification("StepLens", () => {
    this.log.info("scoring cancelled from the progress notification");
    this.cancelAll();
  });
  private offeredModel = false;
  private hasScores = false;
  private readonly cache: ResultCache<ScoreResult>;

  /** A document's annotations changed (results, labels, settings, or an edit). */
  readonly onDidChange = this.emitter.event;
  /** PAV progress of a document's trace (set by progressService.ts), shown in its annotations. */
  progressFor?: (document: vscode.TextDocument, trace: Trace) => ProgressView | null;
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
        this.progress.report(`${name}: ${p.message ?? "scoring"}${amount}`);
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
        for (const s of this.docs.values()) this.scheduler.cancel(documentKey(s.document));
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
      progress: this.progressFor?.(document, trace) ?? null,
      demo: score ? isDemoModel(score.model) : false,
    });
    state.built = { version: document.version, stamp: this.stamp, annotations };
    return annotations;
  }

  /** The last PRM result for `document` (it may be for an older version; see `landed.version`). */
  landed(document: vscode.TextDocument): LandedScore | undefined {
    return this.docs.get(documentKey(document))?.landed;
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
    const k = documentKey(document);
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
    const verified = await verifyDocument(document, trace, {
      configuration: this.configuration,
      engines: this.engines,
      globalStorage: this.extension.globalStorageUri,
      log: this.log,
    });
    if (!verified) return undefined;
    this.state(document).verification = verified;
    this.changed(document);
    return verified.view;
  }

  /** Rebuilds `document`'s annotations (another feature's results for it changed) and fires onDidChange. */
  refresh(document: vscode.TextDocument): void {
    this.changed(document);
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
    for (const s of this.docs.values()) this.scheduler.cancel(documentKey(s.document));
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
    const k = documentKey(document);
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
      key: documentKey(document),
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
      else if (pick === choose) void vscode.commands.executeCommand(CommandId.chooseModel, "prm");
    });
  }

  private forget(document: vscode.TextDocument): void {
    const k = documentKey(document);
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
    const kind = this.config.engine.kind;
    await offerModel("prm", kind === "openai" ? `StepLens: ${reason}` : noModelMessage("prm", kind), {
      globalStorage: this.extension.globalStorageUri,
      log: this.log,
    });
  }

  private queueChanged(queued: number): void {
    this.queued = queued;
    this.queueEmitter.fire(queued);
    this.progress.queueChanged(queued);
  }

  private state(document: vscode.TextDocument): DocState {
    const k = documentKey(document);
    let s = this.docs.get(k);
    if (!s) this.docs.set(k, (s = { document }));
    return s;
  }

  private changed(document: vscode.TextDocument): void {
    const s = this.docs.get(documentKey(document));
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
    this.progress.dispose();
    this.scheduler.dispose();
    this.emitter.dispose();
    this.scoredEmitter.dispose();
    this.queueEmitter.dispose();
  }
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
  // The leading steps both traces share (a step past the end of the new trace is not shared).
  let same = 0;
  for (const step of before.steps) {
    if (step.text !== trace.steps[same]?.text) break;
    same++;
  }
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
