/**
 * The local engine: node-llama-cpp on the GPU when there is one, on the CPU otherwise.
 *
 * - Models per role (PRM, verifier, generator, prover) come from settings (path, hf: URI, preset)
 *   and load lazily; a file used by two roles loads once (ModelRegistry) and shares one context of
 *   K sequences (SequencePool), on which concurrent requests are batched.
 * - scoreSteps: a PRM adapter turns the trace into one token plan; PrefixCache runs it in one pass
 *   with filtered logits at the step positions only, re-evaluating only what changed since the
 *   sequence last saw the trace.
 * - generate / rollouts: the prompt is evaluated once, forked into the other granted sequences,
 *   and the n samples run in parallel (seed + i for sample i).
 * Everything takes an AbortSignal and reports progress. No `vscode` import.
 */
import type { ChatHistoryItem, ChatWrapper, LlamaContextSequence, LlamaGrammar, LlamaModel, LlamaText, Token } from "node-llama-cpp";
import type { GpuSetting, StepLensConfig } from "../../config";
import { throwIfAborted } from "../../core/errors";
import { checkFitsContext, maxCharsForContext, tooLongError } from "../../core/inputLimits";
import type { RunOptions } from "../../core/progress";
import type {
  ChatMessage,
  Engine,
  EngineInfo,
  Generation,
  GenerateRequest,
  ModelRole,
  PrefixRolloutRequest,
  PrefixRollouts,
  Prompt,
  RolloutRequest,
  SamplingOptions,
  ScoreRequest,
  ScoreResult,
  StepScore,
  TokenProbabilities,
  TokenProbabilityRequest,
} from "../engine";
import { MODEL_ROLES } from "../engine";
import { contextTooSmall, modelNotSet, needsEndpoint } from "../errors";
import { findPreset, PRM_ADAPTERS, type ModelPreset, type PrmAdapterName, type PromptFormat } from "../presets";
import { ADAPTERS, scoreFromLogits, type AdapterContext, type PrmPlan } from "../prm";
import { bosTokens, nextTokenAfter, normalizeBos } from "../prm/tokens";
import { CHAT_TURN_JOINS } from "../prm/chatTurn";
import { forkPrefix } from "./fork";
import { GrammarCache } from "./grammarCache";
import { createLlamaRuntime, type LlamaRuntime, type NodeLlamaCpp } from "./llamaRuntime";
import { ModelRegistry, type MemoryInfo, type ModelLease } from "./modelRegistry";
import { resolveModel, type ResolvedModel } from "./modelSource";
import { PrefixCache } from "./prefixCache";
import { runPrefixRollouts } from "./prefixRollouts";
import { SequencePool } from "./sequencePool";

export interface LocalEngineOptions {
  gpu: GpuSetting;
  /** 0: cores − 1. */
  maxThreads: number;
  /** Tokens per sequence. */
  contextSize: number;
  /** Parallel sequences per loaded model. */
  sequences: number;
  /** Model cache folder setting ("" → STEPLENS_MODEL_CACHE or ~/.cache/steplens/models). */
  modelCacheDir: string;
  /** Per role: path, hf: URI or preset name. */
  models: Partial<Record<ModelRole, string>>;
  /** PRM adapter (math-shepherd | chat-turn | judge) or a preset name; its prompt format overrides. */
  prm: { adapter: string; format?: PromptFormat };
  env?: NodeJS.ProcessEnv;
  onWarning?: (message: string) => void;
  /** Flash attention (default: off on the CPU — exact one-pass/per-prefix agreement — auto on GPUs). */
  flashAttention?: boolean | "auto";
  batchSize?: number;
  /** Compiled grammars kept (least recently used dropped first; default 32). */
  grammarCacheSize?: number;
  /** Tests: injectable memory probe and module loader. */
  memory?: () => Promise<MemoryInfo>;
  load?: () => Promise<NodeLlamaCpp>;
}

/** Options from the typed config (CLI flags and VS Code settings both end up there). */
export function localEngineOptions(config: StepLensConfig, extra: Partial<LocalEngineOptions> = {}): LocalEngineOptions {
  return {
    gpu: config.local.gpu,
    maxThreads: config.local.maxThreads,
    contextSize: config.local.contextSize,
    sequences: config.local.sequences,
    grammarCacheSize: config.local.grammarCacheSize,
    modelCacheDir: config.local.modelCacheDir,
    models: { ...config.models },
    prm: { adapter: config.prm.adapter, format: prmFormatFromConfig(config.prm) },
    ...extra,
  };
}

/** The tag/label settings as a prompt format; the "+"/"-" defaults are left to the adapter (a judge reads Yes/No). */
export function prmFormatFromConfig(prm: StepLensConfig["prm"]): PromptFormat {
  const format: PromptFormat = {};
  if (prm.stepTag && prm.stepTag !== "ки") format.stepTag = prm.stepTag;
  if (prm.positiveToken && prm.positiveToken !== "+") format.positive = prm.positiveToken;
  if (prm.negativeToken && prm.negativeToken !== "-") format.negative = prm.negativeToken;
  if (prm.chatTurnJoin === "blank-line") format.firstTurnJoin = CHAT_TURN_JOINS["blank-line"];
  return format;
}

/** A role's model, loaded. */
export interface LoadedRole {
  role: ModelRole;
  resolved: ResolvedModel;
  lease: ModelLease;
  model: LlamaModel;
  pool: SequencePool;
}

interface PrmChoice {
  name: PrmAdapterName;
  format: PromptFormat;
}

const DEFAULT_MAX_TOKENS = 512;

export class LocalEngine implements Engine {
  private readonly registry: ModelRegistry;
  private readonly pools = new Map<string, SequencePool>();
  private readonly roles = new Map<ModelRole, Promise<LoadedRole>>();
  private readonly prefix = new PrefixCache();
  private readonly grammars: GrammarCache<LlamaGrammar>;
  private readonly chatWrappers = new WeakMap<LlamaModel, ChatWrapper | null>();
  private readonly lastSequence = new Map<string, LlamaContextSequence>();
  private disposed = false;

  private constructor(
    readonly runtime: LlamaRuntime,
    readonly options: LocalEngineOptions,
    private readonly ownsRuntime: boolean,
  ) {
    this.registry = new ModelRegistry(runtime, { memory: options.memory });
    this.grammars = new GrammarCache(
      (schema) => this.runtime.llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaGrammar>,
      options.grammarCacheSize,
    );
  }

  /**
   * Starts the runtime (getLlama) and returns the engine; models load on first use. Pass `shared.runtime`
   * to reuse one llama.cpp runtime across engines (it is then not disposed with the engine).
   */
  static async create(options: LocalEngineOptions, shared: { runtime?: LlamaRuntime } = {}): Promise<LocalEngine> {
    if (shared.runtime) return new LocalEngine(shared.runtime, options, false);
    const runtime = await createLlamaRuntime({ gpu: options.gpu, maxThreads: options.maxThreads, onWarning: options.onWarning }, { load: options.load });
    return new LocalEngine(runtime, options, true);
  }

  get lib(): NodeLlamaCpp {
    return this.runtime.lib;
  }

  info(): EngineInfo {
    const models: EngineInfo["models"] = {};
    for (const role of MODEL_ROLES) {
      const spec = this.options.models[role];
      if (spec) models[role] = spec;
    }
    let queued = 0;
    for (const pool of this.pools.values()) queued += pool.queued;
    return { kind: "local", device: this.runtime.device, models, queued, contextSize: this.options.contextSize };
  }

  /** Loads (once) the model of a role and its sequence pool. */
  role(role: ModelRole, opts: RunOptions = {}): Promise<LoadedRole> {
    if (this.disposed) return Promise.reject(new Error("engine is disposed"));
    let loaded = this.roles.get(role);
    if (!loaded) {
      loaded = this.loadRole(role, opts);
      this.roles.set(role, loaded);
      loaded.catch(() => this.roles.delete(role));
    }
    return loaded;
  }

  private async loadRole(role: ModelRole, opts: RunOptions): Promise<LoadedRole> {
    const spec = this.options.models[role];
    if (!spec) throw modelNotSet(role);
    if (role === "prm") this.prmChoice(); // fail early on presets that need an endpoint
    const resolved = await resolveModel(spec, { cacheDir: this.options.modelCacheDir, env: this.options.env, load: this.options.load, ...opts });
    const lease = await this.registry.acquire(resolved.path, opts);
    let pool = this.pools.get(lease.path);
    if (!pool) {
      pool = await SequencePool.create(lease.model, {
        contextSize: this.options.contextSize,
        sequences: Math.max(1, this.options.sequences),
        flashAttention: this.options.flashAttention,
        batchSize: this.options.batchSize,
      });
      this.pools.set(lease.path, pool);
    }
    return { role, resolved, lease, model: lease.model, pool };
  }

  // ---------------------------------------------------------------- tokens

  async countTokens(text: string, role: ModelRole, opts: RunOptions = {}): Promise<number> {
    const { model } = await this.role(role, opts);
    return model.tokenize(text).length;
  }

  async promptTokenCount(prompt: Prompt, role: ModelRole, opts: RunOptions = {}): Promise<number> {
    const { model } = await this.role(role, opts);
    return this.promptTokens(model, prompt, false).tokens.length;
  }

  // ---------------------------------------------------------------- PRM scoring

  /** The adapter and prompt format the PRM role uses. */
  prmChoice(): PrmChoice {
    const setting = this.options.prm.adapter.trim();
    const override = this.options.prm.format ?? {};
    const modelPreset = this.options.models.prm ? findPreset(this.options.models.prm) : undefined;
    if (modelPreset?.runtime === "endpoint") throw needsEndpoint(modelPreset.name, modelPreset.endpointReason ?? "");
    if ((PRM_ADAPTERS as readonly string[]).includes(setting)) {
      const name = setting as PrmAdapterName;
      const base = modelPreset?.adapter === name ? (modelPreset.format ?? {}) : {};
      return { name, format: { ...base, ...override } };
    }
    const preset = findPreset(setting);
    if (!preset) throw new Error(`unknown PRM adapter '${setting}': use math-shepherd, chat-turn, judge or a preset name.`);
    return this.presetChoice(preset, override);
  }

  private presetChoice(preset: ModelPreset, override: PromptFormat): PrmChoice {
    if (preset.runtime === "endpoint") throw needsEndpoint(preset.name, preset.endpointReason ?? "");
    if (!preset.adapter) throw new Error(`preset '${preset.name}' is not a PRM (it has no step adapter).`);
    return { name: preset.adapter, format: { ...(preset.format ?? {}), ...override } };
  }

  /** The adapter context for a loaded model (its chat format resolved once). */
  adapterContext(model: LlamaModel, format: PromptFormat, fallbackChat: boolean): AdapterContext {
    const wrapper = this.chatWrapperFor(model, format, fallbackChat);
    return { lib: this.lib, model, chatWrapper: wrapper, chatFormat: wrapper ? wrapper.wrapperName : "none" };
  }

  private chatWrapperFor(model: LlamaModel, format: PromptFormat, fallback: boolean): ChatWrapper | null {
    if (format.chatTemplate) return new this.lib.JinjaTemplateChatWrapper({ template: format.chatTemplate });
    const hasTemplate = typeof model.fileInfo.metadata?.tokenizer?.chat_template === "string";
    let wrapper = this.chatWrappers.get(model);
    if (wrapper === undefined) {
      wrapper = this.lib.resolveChatWrapper(model);
      this.chatWrappers.set(model, wrapper);
    }
    // A GGUF without a template whose family node-llama-cpp still recognises (Gemma 3 270M from the
    // Python registry has none) gets that family's format, as generation does; only an unknown model
    // falls back to the plain-text layout.
    if (!hasTemplate && !fallback && (wrapper === null || GENERIC_CHAT_WRAPPERS.has(wrapper.wrapperName))) return null;
    return wrapper;
  }

  /** The token plan for scoring a trace (exposed for tests and benchmarks). */
  async planScoring(req: ScoreRequest, opts: RunOptions = {}): Promise<{ plan: PrmPlan; loaded: LoadedRole; adapter: PrmAdapterName }> {
    // Before loading or tokenizing anything: a step no context could hold is refused by its length.
    checkFitsContext(req.problem, req.steps, this.options.contextSize);
    const choice = this.prmChoice();
    const loaded = await this.role("prm", opts);
    const ctx = this.adapterContext(loaded.model, choice.format, choice.name === "chat-turn");
    const plan = ADAPTERS[choice.name].plan({ problem: req.problem, steps: req.steps }, ctx, choice.format);
    return { plan, loaded, adapter: choice.name };
  }

  async scoreSteps(req: ScoreRequest, opts: RunOptions = {}): Promise<ScoreResult> {
    const started = performance.now();
    throwIfAborted(opts.signal);
    const { plan, loaded, adapter } = await this.planScoring(req, opts);
    const modelName = loaded.resolved.spec;
    if (req.steps.length === 0)
      return { steps: [], model: modelName, adapter, evaluatedTokens: 0, traceTokens: 0, seconds: (performance.now() - started) / 1000 };
    const suffixes = plan.branches.reduce((n, b) => n + b.suffix.length, 0);
    const longest = plan.tokens.length + plan.branches.reduce((m, b) => Math.max(m, b.suffix.length), 0);
    if (longest > loaded.pool.contextSize) throw contextTooSmall(req.cacheKey ? `trace ${req.cacheKey}` : "the trace", longest, loaded.pool.contextSize);

    const keyed = req.cacheKey ? this.lastSequence.get(req.cacheKey) : undefined;
    const result = await loaded.pool.use(
      async ([sequence]) => {
        if (req.cacheKey) this.lastSequence.set(req.cacheKey, sequence);
        return this.prefix.evaluate(
          sequence,
          {
            tokens: plan.tokens,
            reads: plan.reads.map((r) => r.position),
            branches: plan.branches,
            filter: [...new Set([...plan.positive, ...plan.negative])],
          },
          opts,
        );
      },
      { signal: opts.signal, prefer: (s) => PrefixCache.reusable(s, plan.tokens) + (s === keyed ? 0.5 : 0) },
    );

    const steps: StepScore[] = [];
    // The evaluation answers one read per position asked and one per branch, in order.
    for (const [i, r] of plan.reads.entries()) {
      const read = result.reads[i];
      if (read === undefined) throw new Error(`internal: the prefix evaluation returned ${result.reads.length} reads for ${plan.reads.length} positions`);
      steps.push({ index: r.step, ...scoreFromLogits(read.logits, plan.positive, plan.negative) });
    }
    for (const [i, b] of plan.branches.entries()) {
      const branch = result.branches[i];
      if (branch === undefined)
        throw new Error(`internal: the prefix evaluation returned ${result.branches.length} branch reads for ${plan.branches.length} branches`);
      steps.push({ index: b.step, ...scoreFromLogits(branch.logits, plan.positive, plan.negative) });
    }
    steps.sort((a, b) => a.index - b.index);
    return {
      steps,
      model: modelName,
      adapter,
      evaluatedTokens: result.evaluatedTokens,
      traceTokens: plan.tokens.length + suffixes,
      seconds: (performance.now() - started) / 1000,
    };
  }

  // ---------------------------------------------------------------- prompts

  /** Tokens (BOS as the model wants) and stop triggers of a prompt; `continueLast` leaves a final assistant message open. */
  promptTokens(model: LlamaModel, prompt: Prompt, continueLast: boolean): { tokens: Token[]; text: LlamaText; stops: LlamaText[] } {
    const chars = typeof prompt === "string" ? prompt.length : prompt.reduce((n, m) => n + m.content.length, 0);
    const limit = maxCharsForContext(this.options.contextSize);
    if (chars > limit) throw tooLongError({ step: null, whole: true, chars, limit }, this.options.contextSize, { what: "the prompt" });
    if (typeof prompt === "string") {
      return { tokens: [...bosTokens(model), ...model.tokenize(prompt)], text: new this.lib.LlamaText(prompt), stops: [] };
    }
    const wrapper = this.chatWrapperFor(model, {}, true)!;
    const history = toChatHistory(prompt);
    const last = prompt.at(-1);
    if (!(continueLast && last?.role === "assistant")) history.push({ type: "model", response: [] });
    const state = wrapper.generateContextState({ chatHistory: history });
    const tokens = normalizeBos(model, state.contextText.tokenize(model.tokenizer));
    return { tokens, text: state.contextText, stops: [...state.stopGenerationTriggers] };
  }

  // ---------------------------------------------------------------- next-token probabilities

  async tokenProbabilities(req: TokenProbabilityRequest, opts: RunOptions = {}): Promise<TokenProbabilities> {
    throwIfAborted(opts.signal);
    if (req.candidates.length === 0) return { logprobs: {}, normalized: {} };
    const loaded = await this.role(req.role, opts);
    const { tokens, text } = this.promptTokens(loaded.model, req.prompt, false);
    if (tokens.length === 0) throw new Error("the prompt is empty: next-token probabilities need at least one token.");
    if (tokens.length > loaded.pool.contextSize) throw contextTooSmall("the prompt", tokens.length, loaded.pool.contextSize);
    const ctx = this.adapterContext(loaded.model, {}, true);
    const candidateTokens = req.candidates.map((c) => ({ candidate: c, token: nextTokenAfter(ctx, text, c, "candidate") }));
    const out = await loaded.pool.use(
      ([sequence]) =>
        this.prefix.evaluate(
          sequence,
          { tokens, reads: [tokens.length - 1], branches: [], filter: [...new Set(candidateTokens.map((c) => c.token))], totals: true },
          opts,
        ),
      { signal: opts.signal, prefer: (s) => PrefixCache.reusable(s, tokens) },
    );
    const [read] = out.reads;
    if (read === undefined) throw new Error("internal: the prefix evaluation returned no read for the prompt's last token");
    const maxLogit = Math.max(...read.logits.values());
    const logTotal = Math.log(read.totalLogitWeight ?? 1);
    const logprobs: Record<string, number> = {};
    for (const { candidate, token } of candidateTokens) {
      logprobs[candidate] = (read.logits.get(token) ?? Number.NEGATIVE_INFINITY) - maxLogit - logTotal;
    }
    // Every candidate was given a logprob just above (NaN: what `undefined - m` gave before).
    const logprobOf = (c: string): number => logprobs[c] ?? Number.NaN;
    const m = Math.max(...Object.values(logprobs));
    const z = req.candidates.reduce((s, c) => s + Math.exp(logprobOf(c) - m), 0);
    const normalized: Record<string, number> = {};
    for (const c of req.candidates) normalized[c] = Math.exp(logprobOf(c) - m) / z;
    return { logprobs, normalized };
  }

  // ---------------------------------------------------------------- sampling

  async generate(req: GenerateRequest, opts: RunOptions = {}): Promise<Generation[]> {
    throwIfAborted(opts.signal);
    const loaded = await this.role(req.role, opts);
    return this.sample(loaded, this.promptTokens(loaded.model, req.prompt, false), req, opts);
  }

  async rollouts(req: RolloutRequest, opts: RunOptions = {}): Promise<Generation[]> {
    throwIfAborted(opts.signal);
    const loaded = await this.role(req.role, opts);
    return this.sample(loaded, this.promptTokens(loaded.model, req.prefix, true), req, opts);
  }

  /** Rollouts after every boundary of one text, which is evaluated once and forked (see ./prefixRollouts.ts). */
  async prefixRollouts(req: PrefixRolloutRequest, opts: RunOptions = {}): Promise<PrefixRollouts> {
    throwIfAborted(opts.signal);
    // Before tokenizing: a 3 MB step cannot fit, and tokenizing it costs memory (and overflowed the stack).
    checkFitsContext("", req.segments, this.options.contextSize);
    const loaded = await this.role(req.role, opts);
    const head = this.promptTokens(loaded.model, req.head, true);
    const stops = head.stops
      .filter((t) => t.values.every((v) => typeof v === "string"))
      .map((t) => t.values.join(""))
      .filter((t) => t !== "");
    return runPrefixRollouts({ model: loaded.model, pool: loaded.pool, head: { tokens: head.tokens, stops }, forget: (s) => this.prefix.forget(s) }, req, opts);
  }

  private grammarFor(schema: object): Promise<LlamaGrammar> {
    return this.grammars.get(schema);
  }

  /**
   * n samples of one prompt: the prompt is evaluated once on the first granted sequence, forked into
   * the others, and the samples run in parallel, each granted sequence taking the next sample.
   */
  private async sample(loaded: LoadedRole, prompt: { tokens: Token[]; stops: LlamaText[] }, s: SamplingOptions, opts: RunOptions): Promise<Generation[]> {
    const n = Math.max(1, Math.floor(s.n ?? 1));
    const full = prompt.tokens;
    const { pool, model } = loaded;
    if (full.length === 0) throw new Error("the prompt is empty.");
    if (full.length + 1 > pool.contextSize) throw contextTooSmall("the prompt", full.length + 1, pool.contextSize);
    const grammar = s.jsonSchema ? await this.grammarFor(s.jsonSchema) : undefined;
    const seed = s.seed ?? Math.floor(Math.random() * 2 ** 31);
    const stops = [...(s.stop ?? []).filter((x) => x !== ""), ...prompt.stops];
    const head = full.slice(0, -1); // LlamaCompletion evaluates the last prompt token itself (it needs its logits)
    const input = full.slice(bosTokens(model).length); // LlamaCompletion prepends BOS itself
    const results: Generation[] = new Array(n);
    let done = 0;

    await pool.use(
      async (sequences) => {
        const [first, ...others] = sequences;
        await this.holdPrefix(first, head, opts.signal);
        for (const seq of others) if (PrefixCache.reusable(seq, head) < head.length) await forkPrefix(first, seq, head.length);
        let next = 0;
        await Promise.all(
          sequences.map(async (seq) => {
            while (next < n && !opts.signal?.aborted) {
              const i = next++;
              results[i] = await this.complete(seq, input, s, seed + i, grammar, stops, opts.signal);
              opts.onProgress?.({ done: ++done, total: n, message: "sampling" });
            }
          }),
        );
      },
      { signal: opts.signal, count: Math.min(n, pool.size), prefer: (seq) => PrefixCache.reusable(seq, head) },
    );
    for (let i = 0; i < n; i++) results[i] ??= { text: "", finishReason: "cancelled", tokens: 0 };
    return results;
  }

  /** Makes `sequence` hold exactly `tokens`, evaluating only what it lacks. */
  private async holdPrefix(sequence: LlamaContextSequence, tokens: Token[], signal?: AbortSignal): Promise<void> {
    await sequence.adaptStateToTokens(tokens, false);
    if (sequence.nextTokenIndex > tokens.length) await sequence.eraseContextTokenRanges([{ start: tokens.length, end: sequence.nextTokenIndex }]);
    throwIfAborted(signal);
    const missing = tokens.slice(sequence.nextTokenIndex);
    if (missing.length) await sequence.evaluateWithoutGeneratingNewTokens(missing);
  }

  private async complete(
    sequence: LlamaContextSequence,
    input: Token[],
    s: SamplingOptions,
    seed: number,
    grammar: LlamaGrammar | undefined,
    stops: (string | LlamaText)[],
    signal: AbortSignal | undefined,
  ): Promise<Generation> {
    const completion = new this.lib.LlamaCompletion({ contextSequence: sequence });
    // Tokens of the returned text as generated (an end-of-generation token is not counted).
    const maxTokens = s.maxTokens ?? DEFAULT_MAX_TOKENS;
    let count = 0;
    const generated = () => Math.min(count, maxTokens);
    try {
      const res = await completion.generateCompletionWithMeta(input, {
        maxTokens,
        temperature: s.temperature ?? 0,
        topP: s.topP,
        seed,
        grammar,
        customStopTriggers: stops.length ? stops : undefined,
        signal,
        stopOnAbortSignal: true,
        disableContextShift: true,
        contextShiftSize: 1,
        onToken: (t) => {
          count += t.length;
        },
      });
      const reason = res.metadata.stopReason;
      return { text: res.response, finishReason: reason === "maxTokens" ? "length" : reason === "abort" ? "cancelled" : "stop", tokens: generated() };
    } catch (e) {
      if (signal?.aborted) return { text: "", finishReason: "cancelled", tokens: generated() };
      throw e;
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Forgets every cached prefix and remembered logits, so the next request evaluates from scratch (call when idle; benchmarks and tests). */
  async clearCaches(): Promise<void> {
    for (const pool of this.pools.values()) {
      for (const s of pool.sequences) {
        this.prefix.forget(s);
        await s.clearHistory();
      }
    }
    this.lastSequence.clear();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const roles = await Promise.all([...this.roles.values()].map((r) => r.catch(() => undefined)));
    this.roles.clear();
    for (const pool of this.pools.values()) await pool.dispose();
    this.pools.clear();
    for (const r of roles) await r?.lease.release();
    await this.registry.dispose();
    if (this.ownsRuntime) await this.runtime.dispose();
  }
}

/** node-llama-cpp's catch-all formats, used when it does not recognise a model (not the model's own). */
const GENERIC_CHAT_WRAPPERS = new Set(["General", "Empty"]);

function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    if (m.role === "system") return { type: "system", text: m.content };
    if (m.role === "user") return { type: "user", text: m.content };
    return { type: "model", response: [m.content] };
  });
}
