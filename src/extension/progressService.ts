/**
 * PAV progress in the editor: the command "StepLens: Estimate Progress" (with a cancellable progress
 * notification), the Progress CodeLens, the progress slot of the hover (through the annotations'
 * `progressFor` hook) and an Information diagnostic on each step that clearly loses progress.
 *
 * - The prover is `steplens.models.prover` (local) or the endpoint's model; M, α, the longest
 *   rollout and the temperature are `steplens.progress.*`. Correct means the trace's reference
 *   answer (front matter `reference:`) when it has one, else the majority answer of the rollouts.
 * - Results are cached by content hash (problem, steps, reference, prover, settings) in workspace
 *   storage like scores, so reopening a trace shows its progress at once. A result shows only while
 *   the trace's problem and steps are those it was computed for.
 * - Workspace Trust: nothing runs (the command refuses and says why), and the cache is not read, in
 *   an untrusted workspace.
 * The logic lives in src/progress and src/annotations/progressView.ts; this file is the adapter.
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { progressDiagnostics, progressViewOf } from "../annotations/progressView";
import { contentKey, ResultCache } from "../annotations/resultCache";
import { DIAGNOSTIC_SOURCE } from "../annotations/diagnosticsModel";
import { DEMO_NOTICE, type ProgressView } from "../annotations/stepAnnotations";
import { CancelledError, errorMessage } from "../core/errors";
import type { Trace } from "../core/trace";
import { estimateProgress, stepLosesProgress, type ProgressResult } from "../progress/estimateProgress";
import { referenceAnswerOf } from "../progress/referenceAnswer";
import { addLensSlot } from "./codeLens";
import { CommandId } from "./commandIds";
import { registerCommands } from "./commands";
import type { StepLensContext } from "./context";
import { isDemoModel, useDemoModel } from "./demoModel";
import { toRange } from "./ranges";
import { resolveStepTarget } from "./stepTarget";
import { fileLabel } from "./traceDocuments";

/** The rollouts' seed (rollout i of every prefix uses seed + i): fixed, so a re-run repeats. */
const SEED = 0;

interface Landed {
  contentKey: string;
  result: ProgressResult;
  prover: string;
  demo: boolean;
}

/** What a progress estimate depends on besides the trace. */
interface ProverIdentity {
  prover: string;
  demo: boolean;
  settings: Record<string, unknown>;
}

export class ProgressService implements vscode.Disposable {
  private readonly landed = new Map<string, Landed>();
  private readonly running = new Set<string>();
  private readonly cache: ResultCache<ProgressResult>;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection("steplens-progress");
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Progress results or running state changed for a document. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly ctx: StepLensContext) {
    const storage = ctx.extension.storageUri ?? ctx.extension.globalStorageUri;
    this.cache = new ResultCache<ProgressResult>(path.join(storage.fsPath, "progress"), {}, isProgressResult);
    this.subscriptions.push(
      this.diagnostics,
      this.emitter,
      ctx.traces.onDidChange((e) => {
        if (!e.isTrace) {
          this.forget(e.document.uri);
          return;
        }
        if (e.reason === "edit") this.updateDiagnostics(e.document);
        else void this.fromCache(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const d of ctx.traces.traceDocuments()) void this.fromCache(d);
      }),
    );
    for (const d of ctx.traces.traceDocuments()) void this.fromCache(d);
  }

  private get config() {
    return this.ctx.configuration.current;
  }

  /** The hover's progress view for `trace` (null when none was computed for exactly this content). */
  viewFor(document: vscode.TextDocument, trace: Trace): ProgressView | null {
    const l = this.current(document, trace);
    return l ? progressViewOf(l.result, l.prover, l.demo) : null;
  }

  /** The result that holds for the document's current trace, if any. */
  resultFor(document: vscode.TextDocument): ProgressResult | undefined {
    const trace = this.ctx.traces.get(document);
    return trace ? this.current(document, trace)?.result : undefined;
  }

  isRunning(document: vscode.TextDocument): boolean {
    return this.running.has(document.uri.toString());
  }

  isDemo(document: vscode.TextDocument): boolean {
    const trace = this.ctx.traces.get(document);
    return trace ? this.current(document, trace)?.demo === true : false;
  }

  private current(document: vscode.TextDocument, trace: Trace): Landed | undefined {
    const l = this.landed.get(document.uri.toString());
    return l && l.contentKey === traceKey(trace) ? l : undefined;
  }

  /** The prover, or a message saying what to set. */
  private identity(): ProverIdentity | { missing: string } {
    const c = this.config;
    const p = c.progress;
    const settings: Record<string, unknown> = { rollouts: p.rollouts, alpha: p.alpha, maxTokens: p.maxTokens, temperature: p.temperature, seed: SEED };
    if (c.engine.kind === "openai") {
      if (!c.openai.model.trim()) return { missing: "no endpoint model is set (steplens.openai.model): the prover's rollouts need one." };
      return { prover: `${c.openai.baseUrl}#${c.openai.model}`, demo: false, settings };
    }
    const spec = this.ctx.engines.resolveModelSpec(c.models.prover);
    if (!spec) return { missing: "no prover model is set (steplens.models.prover): progress is measured with the prover's rollouts." };
    const fileId = (f: string) => {
      try {
        const stat = fs.statSync(f);
        return `${stat.size}:${Math.round(stat.mtimeMs)}`;
      } catch {
        return f; // an hf: URI or preset: its name identifies it
      }
    };
    settings.file = fileId(spec);
    // The base policy π is the generator setting; unset, the prover stands in (π = μ).
    const policy = this.ctx.engines.resolveModelSpec(c.models.generator) || spec;
    settings.policy = policy === spec ? "prover" : `${policy}#${fileId(policy)}`;
    return { prover: spec, demo: isDemoModel(spec) || isDemoModel(policy), settings };
  }

  private cacheKey(trace: Trace, id: ProverIdentity): string {
    return contentKey({
      kind: "progress",
      problem: trace.problem,
      steps: trace.steps.map((s) => s.text),
      reference: referenceAnswerOf(trace),
      prover: id.prover,
      settings: id.settings,
    });
  }

  /** Shows a cached result for the document's trace, if there is one (trusted workspaces only). */
  private async fromCache(document: vscode.TextDocument): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const trace = this.ctx.traces.get(document);
    const id = this.identity();
    if (!trace || trace.steps.length === 0 || "missing" in id) return;
    const result = await this.cache.get(this.cacheKey(trace, id)).catch(() => undefined);
    if (result && this.ctx.traces.get(document) === trace) this.land(document, trace, result, id);
  }

  /** Runs (or takes from the cache) the progress estimate of `document`; resolves with it, or undefined when cancelled or not possible. */
  async estimate(document: vscode.TextDocument): Promise<ProgressResult | undefined> {
    const trace = this.ctx.traces.get(document);
    const name = path.basename(fileLabel(document.uri));
    if (!trace) throw new Error(`${name} is not a trace StepLens can read.`);
    if (!trace.steps.length) throw new Error(`${name} has no steps.`);
    const id = this.identity();
    if ("missing" in id) {
      await this.offerProver(id.missing);
      return undefined;
    }
    const key = this.cacheKey(trace, id);
    const cached = await this.cache.get(key).catch(() => undefined);
    if (cached) {
      this.land(document, trace, cached, id);
      this.ctx.log.info(`cached progress for ${name}`);
      return cached;
    }
    const uri = document.uri.toString();
    if (this.running.has(uri)) {
      void vscode.window.showInformationMessage(`StepLens: progress of ${name} is already being estimated.`);
      return undefined;
    }
    const engine = await this.ctx.engines.get();
    const p = this.config.progress;
    this.running.add(uri);
    this.emitter.fire(document.uri);
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `StepLens: estimating progress of ${name} (M = ${p.rollouts})${id.demo ? ` — ${DEMO_NOTICE}` : ""}`,
          cancellable: true,
        },
        async (progress, token) => {
          const controller = new AbortController();
          const sub = token.onCancellationRequested(() => controller.abort());
          let last = 0;
          try {
            return await estimateProgress(
              engine,
              {
                problem: trace.problem,
                steps: trace.steps.map((s) => s.text),
                rollouts: p.rollouts,
                alpha: p.alpha,
                reference: referenceAnswerOf(trace),
                maxTokens: p.maxTokens,
                temperature: p.temperature,
                seed: SEED,
              },
              {
                signal: controller.signal,
                onProgress: (u) => {
                  const pct = u.total ? Math.round((100 * u.done) / u.total) : 0;
                  progress.report({ message: u.total ? `${u.message ?? ""} ${u.done}/${u.total}` : u.message, increment: Math.max(0, pct - last) });
                  last = Math.max(last, pct);
                },
              },
            );
          } finally {
            sub.dispose();
          }
        },
      );
      await this.cache.put(key, result).catch((e: unknown) => this.ctx.log.warn(`progress cache: ${errorMessage(e)}`));
      this.land(document, trace, result, id);
      const losing = result.steps.filter((s) => stepLosesProgress(s, result.rollouts)).length;
      this.ctx.log.info(
        `progress of ${name}: ${result.steps.length} steps, M = ${result.rollouts}, ${losing} losing progress; ${result.prefixTokensEvaluated} prefix tokens evaluated ` +
          `for a ${result.traceTokens}-token trace, ${result.rolloutTokens} rollout tokens, ${result.seconds.toFixed(2)} s`,
      );
      return result;
    } catch (e) {
      if (e instanceof CancelledError) {
        this.ctx.log.info(`progress of ${name} cancelled`);
        return undefined;
      }
      throw e;
    } finally {
      this.running.delete(uri);
      this.emitter.fire(document.uri);
    }
  }

  private async offerProver(missing: string): Promise<void> {
    const choose = "Choose Prover Model…";
    const demo = "Use Demo Model";
    const local = this.config.engine.kind === "local";
    const pick = await vscode.window.showWarningMessage(`StepLens: ${missing}`, ...(local ? [choose, demo] : []));
    if (pick === choose) await vscode.commands.executeCommand(CommandId.chooseModel, "prover");
    else if (pick === demo) {
      const file = await useDemoModel(this.ctx.extension.globalStorageUri, this.ctx.log);
      await vscode.workspace.getConfiguration("steplens").update("models.prover", file, vscode.ConfigurationTarget.Global);
    }
  }

  private land(document: vscode.TextDocument, trace: Trace, result: ProgressResult, id: ProverIdentity): void {
    this.landed.set(document.uri.toString(), { contentKey: traceKey(trace), result, prover: id.prover, demo: id.demo });
    this.updateDiagnostics(document);
    this.ctx.annotations.refresh(document);
    this.emitter.fire(document.uri);
  }

  private updateDiagnostics(document: vscode.TextDocument): void {
    const trace = this.ctx.traces.get(document);
    const l = trace ? this.current(document, trace) : undefined;
    if (!trace || !l) {
      this.diagnostics.delete(document.uri);
      return;
    }
    const out: vscode.Diagnostic[] = [];
    for (const p of progressDiagnostics(trace, l.result, l.demo)) {
      if (!p.range) continue;
      const d = new vscode.Diagnostic(toRange(p.range), p.message, vscode.DiagnosticSeverity.Information);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = p.code;
      out.push(d);
    }
    this.diagnostics.set(document.uri, out);
  }

  private forget(uri: vscode.Uri): void {
    this.diagnostics.delete(uri);
    if (this.landed.delete(uri.toString())) this.emitter.fire(uri);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

function traceKey(trace: Trace): string {
  return contentKey({ problem: trace.problem, steps: trace.steps.map((s) => s.text), reference: referenceAnswerOf(trace) });
}

function isProgressResult(v: unknown): v is ProgressResult {
  const o = v as Partial<ProgressResult> | null;
  return (
    !!o &&
    typeof o === "object" &&
    Array.isArray(o.steps) &&
    o.steps.every(
      (s) =>
        s &&
        typeof s.index === "number" &&
        typeof s.q === "number" &&
        typeof s.qBefore === "number" &&
        typeof s.qBase === "number" &&
        Array.isArray(s.interval),
    ) &&
    typeof o.samePolicy === "boolean" &&
    !!o.answer &&
    typeof o.rollouts === "number" &&
    typeof o.prefixTokensEvaluated === "number" &&
    typeof o.traceTokens === "number" &&
    typeof o.rolloutTokens === "number" &&
    typeof o.seconds === "number"
  );
}

/** The Progress lens's title: "Progress" before a run, then Q from start to end, the losing steps, "demo". */
export function progressLensTitle(result: ProgressResult | undefined, running: boolean, demo: boolean): string {
  if (running) return "$(sync~spin) Progress…";
  const firstStep = result?.steps[0];
  const lastStep = result?.steps.at(-1);
  if (!result || firstStep === undefined || lastStep === undefined) return "$(pulse) Progress";
  const first = firstStep.qBefore;
  const last = lastStep.q;
  const losing = result.steps.filter((s) => stepLosesProgress(s, result.rollouts)).length;
  const meanEffective = result.steps.reduce((a, s) => a + s.effective, 0) / result.steps.length;
  let title = result.samePolicy
    ? `$(pulse) Progress (π = μ): Q ${first.toFixed(2)} → ${last.toFixed(2)}`
    : `$(pulse) Progress: Qμ ${first.toFixed(2)} → ${last.toFixed(2)} · Qπ ${lastStep.qBase.toFixed(2)}`;
  title += ` · effective ${meanEffective.toFixed(2)} (mean)`;
  if (losing) title += ` · ${losing} step${losing === 1 ? "" : "s"} lose${losing === 1 ? "s" : ""} progress`;
  if (demo) title += ` · ${DEMO_NOTICE}`;
  return title;
}

class ProgressLensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(
    private readonly ctx: StepLensContext,
    private readonly service: ProgressService,
  ) {}

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.ctx.configuration.current.annotations.codeLens) return [];
    const trace = this.ctx.traces.get(document);
    if (!trace || trace.steps.length === 0) return [];
    const line = trace.problemRange?.start.line ?? trace.steps[0]?.range?.start.line ?? 0;
    const result = this.service.resultFor(document);
    const title = progressLensTitle(result, this.service.isRunning(document), this.service.isDemo(document));
    const m = this.ctx.configuration.current.progress.rollouts;
    return [
      new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title,
        tooltip: `Estimate each step's progress: Q before → after from ${m} prover rollouts per prefix (StepLens: Estimate Progress)`,
        command: CommandId.estimateProgress,
        arguments: [{ uri: document.uri.toString() }],
      }),
    ];
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** Starts the progress feature: the service, its command, the lens and the annotations hook. */
export function registerProgress(ctx: StepLensContext): vscode.Disposable {
  const service = new ProgressService(ctx);
  const lens = new ProgressLensProvider(ctx, service);
  ctx.annotations.progressFor = (document, trace) => service.viewFor(document, trace);
  return vscode.Disposable.from(
    service,
    lens,
    { dispose: () => (ctx.annotations.progressFor = undefined) },
    // Placed between Verify and Inspect by the trace's one lens provider (./codeLens.ts), so the order is the setting's.
    addLensSlot({ lenses: (document) => lens.provideCodeLenses(document), onDidChange: lens.onDidChangeCodeLenses }),
    service.onDidChange(() => lens.refresh()),
    ctx.configuration.onDidChange((e) => {
      if (e.affects("annotations.codeLens") || e.affects("progress")) lens.refresh();
    }),
    registerCommands(ctx, [
      {
        id: CommandId.estimateProgress,
        trustedAction: "estimate progress (it runs the prover model)",
        run: async (c, arg) => {
          const t = await resolveStepTarget(c, arg, false);
          return t ? service.estimate(t.document) : undefined;
        },
      },
    ]),
  );
}
