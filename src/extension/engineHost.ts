/**
 * The one engine the editor features share, created from the settings on first use (nothing loads
 * at activation) and replaced when an engine-related setting changes.
 *
 * - Workspace Trust: in an untrusted workspace no engine is ever created (`usable()` is undefined
 *   and `get()` refuses with the reason); commands tell the user why through `requireTrust`.
 * - The endpoint's API key comes from VS Code's SecretStorage ("StepLens: Set API Key"), never from
 *   settings; the `OPENAI_API_KEY` environment variable of the extension host is the fallback.
 * - Relative model paths resolve against the first workspace folder.
 * - `usable()` hands out a facade that forwards to the real engine once it exists, so callers that
 *   need an Engine synchronously (the scoring scheduler) never wait for it at activation.
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { StepLensConfig } from "../config";
import { errorMessage } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine, EngineInfo, GenerateRequest, ModelRole, RolloutRequest, ScoreRequest, TokenProbabilityRequest } from "../engines/engine";
import type { ScoringSettings } from "../annotations/scoringScheduler";
import { createEngine } from "../engines/createEngine";
import type { Configuration } from "./configuration";
import { isDemoModel } from "./demoModel";
import { UNTRUSTED_REASON } from "./trust";

export const API_KEY_SECRET = "steplens.openai.apiKey";

/** Setting sections whose change replaces the engine (the threshold and the annotations do not). */
const ENGINE_KEYS = ["engine", "local", "models", "openai", "prm.adapter", "prm.stepTag", "prm.positiveToken", "prm.negativeToken"];

export type EngineStatus =
  | { kind: "restricted"; reason: string }
  | { kind: "unconfigured"; reason: string }
  | { kind: "idle" }
  | { kind: "starting" }
  | { kind: "ready" }
  | { kind: "failed"; error: string };

export interface EngineSnapshot {
  status: EngineStatus;
  engineKind: StepLensConfig["engine"]["kind"];
  /** "cuda" | "vulkan" | "metal" | "cpu" once a local engine runs; the base URL for an endpoint; else "". */
  device: string;
  /** Per role: what the settings point at (empty roles left out). */
  models: Partial<Record<ModelRole, string>>;
  /** Roles whose model has been used (and so loaded) by this engine. */
  loaded: ModelRole[];
  /** Requests waiting or running inside the engine. */
  queued: number;
  /** The PRM is a generated random-weight model: its scores are meaningless. */
  demo: boolean;
}

export class EngineHost implements vscode.Disposable {
  private engine: Promise<Engine> | null = null;
  private real: Engine | null = null;
  private status: EngineStatus = { kind: "idle" };
  private readonly loadedRoles = new Set<ModelRole>();
  private readonly emitter = new vscode.EventEmitter<{ replaced: boolean }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly facade: Engine;
  private generation = 0;
  private disposed = false;

  /** The engine's status changed (`replaced`: settings changed what engine runs, results may differ). */
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly configuration: Configuration,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.facade = this.makeFacade();
    this.subscriptions.push(
      configuration.onDidChange((e) => {
        if (ENGINE_KEYS.some((k) => e.affects(k))) void this.replace("settings changed");
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.emitter.fire({ replaced: true })),
      secrets.onDidChange((e) => {
        if (e.key === API_KEY_SECRET && this.configuration.current.engine.kind === "openai") void this.replace("API key changed");
      }),
    );
  }

  private get config(): StepLensConfig {
    return this.configuration.current;
  }

  /** Why no engine can run now (untrusted, nothing configured), or undefined when one can. */
  blocker(): EngineStatus | undefined {
    if (!vscode.workspace.isTrusted) return { kind: "restricted", reason: UNTRUSTED_REASON };
    const c = this.config;
    if (c.engine.kind === "local" && !c.models.prm.trim())
      return { kind: "unconfigured", reason: "No PRM model is set: choose one (StepLens: Choose Model…), download one, or use the demo model." };
    if (c.engine.kind === "openai" && !(c.openai.prmModel.trim() || c.openai.model.trim()))
      return { kind: "unconfigured", reason: "No endpoint model is set: set steplens.openai.model (or steplens.openai.prmModel)." };
    return undefined;
  }

  /** An Engine to score with right now (created lazily on first call), or undefined when none can run. */
  usable(): Engine | undefined {
    return this.blocker() ? undefined : this.facade;
  }

  /** The real engine, created on first use. Throws (with the reason) when none can run. */
  get(opts: RunOptions = {}): Promise<Engine> {
    const blocked = this.blocker();
    if (blocked) return Promise.reject(new Error(blocked.kind === "restricted" || blocked.kind === "unconfigured" ? blocked.reason : "no engine"));
    if (this.disposed) return Promise.reject(new Error("StepLens is shutting down"));
    if (!this.engine) {
      const generation = this.generation;
      this.setStatus({ kind: "starting" });
      const started = performance.now();
      this.engine = this.create(opts).then(
        (engine) => {
          if (generation !== this.generation || this.disposed) {
            void engine.dispose();
            throw new Error("the engine settings changed while it started");
          }
          this.real = engine;
          const info = engine.info();
          this.log.info(`engine ready in ${((performance.now() - started) / 1000).toFixed(2)} s: ${info.kind} on ${info.device}`);
          this.setStatus({ kind: "ready" });
          return engine;
        },
        (e: unknown) => {
          if (generation === this.generation) {
            this.engine = null;
            this.setStatus({ kind: "failed", error: errorMessage(e) });
          }
          throw e;
        },
      );
    }
    return this.engine;
  }

  /** What the status bar shows. */
  snapshot(): EngineSnapshot {
    const c = this.config;
    const blocked = this.blocker();
    let info: EngineInfo | undefined;
    try {
      info = this.real?.info();
    } catch {
      info = undefined;
    }
    const models: Partial<Record<ModelRole, string>> = {};
    if (c.engine.kind === "local") {
      for (const role of ["prm", "verifier", "generator", "prover"] as const) if (c.models[role].trim()) models[role] = c.models[role].trim();
    } else {
      if (c.openai.prmModel || c.openai.model) models.prm = c.openai.prmModel || c.openai.model;
      if (c.openai.model) models.verifier = c.openai.model;
    }
    return {
      status: blocked ?? this.status,
      engineKind: c.engine.kind,
      device: info?.device ?? (c.engine.kind === "openai" ? c.openai.baseUrl : ""),
      models,
      loaded: [...this.loadedRoles],
      queued: info?.queued ?? 0,
      demo: c.engine.kind === "local" && isDemoModel(c.models.prm),
    };
  }

  /**
   * What besides the trace decides a score (for the content-hash result cache): the model (with the
   * file's size and time, so a replaced file is not mistaken for the old one), the adapter and the
   * score-changing settings. Null when no engine can run.
   */
  cacheIdentity(): ScoringSettings["cacheIdentity"] {
    if (this.blocker()) return null;
    const c = this.config;
    const settings: Record<string, unknown> = { stepTag: c.prm.stepTag, positive: c.prm.positiveToken, negative: c.prm.negativeToken };
    if (c.engine.kind === "openai") {
      return { model: `${c.openai.baseUrl}#${c.openai.prmModel || c.openai.model}`, adapter: c.prm.adapter, settings };
    }
    const spec = this.resolveModelSpec(c.models.prm);
    try {
      const stat = fs.statSync(spec);
      settings.file = `${stat.size}:${Math.round(stat.mtimeMs)}`;
    } catch {
      // an hf: URI or preset: its name identifies it
    }
    return { model: spec, adapter: c.prm.adapter, settings };
  }

  /** A model setting with a relative path made absolute against the first workspace folder. */
  resolveModelSpec(spec: string): string {
    const s = spec.trim();
    if (!s || /^hf:/i.test(s) || path.isAbsolute(s) || s.startsWith("~")) return s;
    if (!/[\\/]/.test(s) && !s.toLowerCase().endsWith(".gguf")) return s; // a preset name
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? path.join(folder.uri.fsPath, s) : s;
  }

  /** Disposes the current engine (e.g. after a settings change); the next use creates a new one. */
  async replace(reason: string): Promise<void> {
    this.generation++;
    const old = this.engine;
    this.engine = null;
    this.real = null;
    this.loadedRoles.clear();
    this.status = { kind: "idle" };
    if (old) this.log.info(`engine replaced: ${reason}`);
    this.emitter.fire({ replaced: true });
    if (old) {
      const engine = await old.catch(() => null);
      await engine?.dispose().catch((e: unknown) => this.log.warn(`engine dispose failed: ${errorMessage(e)}`));
    }
  }

  private setStatus(status: EngineStatus): void {
    this.status = status;
    this.emitter.fire({ replaced: false });
  }

  private async create(opts: RunOptions): Promise<Engine> {
    const c = this.config;
    // Relative model paths resolve against the workspace folder, not the extension host's cwd.
    const models = { ...c.models };
    for (const role of ["prm", "verifier", "generator", "prover"] as const) models[role] = this.resolveModelSpec(c.models[role]);
    const apiKey = c.engine.kind === "openai" ? ((await this.secrets.get(API_KEY_SECRET)) ?? process.env.OPENAI_API_KEY ?? "") : undefined;
    if (c.engine.kind === "local") opts.onProgress?.({ done: 0, message: "starting the local engine" });
    return createEngine(
      { ...c, models },
      { apiKey },
      {
        onWarning: (m) => {
          this.log.warn(m);
          void vscode.window.showWarningMessage(`StepLens: ${m}`);
        },
      },
    );
  }

  /** An Engine that creates the real one on first use and marks the roles it loaded. */
  private makeFacade(): Engine {
    const host = this;
    const mark = <T>(role: ModelRole, p: Promise<T>): Promise<T> =>
      p.then((v) => {
        if (!host.loadedRoles.has(role)) {
          host.loadedRoles.add(role);
          host.emitter.fire({ replaced: false });
        }
        return v;
      });
    return {
      info(): EngineInfo {
        const s = host.snapshot();
        return { kind: s.engineKind, device: s.device, models: s.models, queued: s.queued };
      },
      countTokens: async (text: string, role: ModelRole, opts?: RunOptions) => (await host.get(opts)).countTokens(text, role, opts),
      scoreSteps: async (req: ScoreRequest, opts?: RunOptions) => mark("prm", (await host.get(opts)).scoreSteps(req, opts)),
      generate: async (req: GenerateRequest, opts?: RunOptions) => mark(req.role, (await host.get(opts)).generate(req, opts)),
      tokenProbabilities: async (req: TokenProbabilityRequest, opts?: RunOptions) => mark(req.role, (await host.get(opts)).tokenProbabilities(req, opts)),
      rollouts: async (req: RolloutRequest, opts?: RunOptions) => mark(req.role, (await host.get(opts)).rollouts(req, opts)),
      dispose: async () => undefined, // the host owns the real engine
    };
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
    const old = this.engine;
    this.engine = null;
    void old?.then((e) => e.dispose()).catch(() => undefined);
  }
}

/** Stores (or, with an empty value, deletes) the endpoint's API key in SecretStorage. */
export async function setApiKey(secrets: vscode.SecretStorage): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: "StepLens: API key of the OpenAI-compatible endpoint",
    prompt: "Kept in VS Code's secret storage (never in settings). Leave empty to remove the stored key.",
    password: true,
    ignoreFocusOut: true,
  });
  if (value === undefined) return;
  if (value.trim() === "") {
    await secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage("StepLens: the API key was removed.");
  } else {
    await secrets.store(API_KEY_SECRET, value.trim());
    void vscode.window.showInformationMessage("StepLens: the API key is stored in VS Code's secret storage.");
  }
}
