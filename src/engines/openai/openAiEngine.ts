/**
 * The Engine on any OpenAI-compatible endpoint (vLLM, llama.cpp server, OpenAI, `steplens serve`)
 * through the `openai` package: chat and completions, `n` samples, JSON-schema response formats,
 * first-token logprobs for the judge adapter, and `/v1/score` on a StepLens server.
 *
 * Every request goes through one FIFO concurrency limit, is retried on 429/5xx/timeouts/dropped
 * connections with exponential backoff and full jitter (or the server's Retry-After), has its own
 * timeout, and stops when its AbortSignal fires. The API key comes from the caller (the CLI reads
 * OPENAI_API_KEY, the extension its SecretStorage); this module never reads settings or the
 * environment for it. No `vscode` import here.
 */
import OpenAI from "openai";
import * as v from "valibot";
import { CancelledError, StepLensError, throwIfAborted } from "../../core/errors";
import { linkedSignal } from "../../core/linkedSignal";
import type { RunOptions } from "../../core/progress";
import type {
  ChatMessage,
  Engine,
  EngineInfo,
  GenerateRequest,
  Generation,
  ModelRole,
  Prompt,
  PrefixRolloutRequest,
  PrefixRollouts,
  RolloutRequest,
  SamplingOptions,
  ScoreRequest,
  ScoreResult,
  StepScore,
  TokenProbabilities,
  TokenProbabilityRequest,
} from "../engine";
import { MODEL_ROLES } from "../engine";
import { prefixRolloutsViaRollouts } from "../prefixRollouts";
import { findPreset } from "../presets";
import { needsClassificationHead } from "./classificationHeadRoute";
import {
  correctProbability,
  noPoolingRouteError,
  POOLING_TASKS,
  poolingRequest,
  poolingRows,
  QWEN_PRM_SEPARATOR_ID,
  QWEN_PRM_SYSTEM,
  qwenPrmInput,
} from "./poolingPrm";
import { ConcurrencyLimiter } from "./concurrencyLimiter";
import { endpointError, headersOf, isTransientConnectionError, isUserAbort, statusOf } from "./endpointErrors";
import { candidateLogprobs, firstTokenFromChat, firstTokenFromCompletion, type TokenLogprob } from "./firstTokenLogprobs";
import { judgeLabels, judgeMessages } from "./judgePrompt";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, sleep, type RetryPolicy } from "./retry";

export interface OpenAiEngineOptions {
  /** e.g. http://127.0.0.1:8080/v1 (vLLM, llama.cpp server, steplens serve) or https://api.openai.com/v1. */
  baseUrl: string;
  /** From the caller (env var in the CLI, SecretStorage in VS Code). Empty: no Authorization header. */
  apiKey?: string;
  /** Model name used for every role without its own. */
  model: string;
  /** Per-role model names (e.g. a separate PRM/judge model); empty entries fall back to `model`. */
  models?: Partial<Record<ModelRole, string>>;
  /**
   * How scoreSteps scores: `judge` (per-step Yes/No logprobs, any instruct model), `remote` (POST
   * /v1/score on a StepLens server). Any other adapter name (math-shepherd, chat-turn, a preset)
   * also goes to /v1/score: the StepLens server runs its own adapter.
   */
  prmAdapter?: string;
  /** Requests in flight at most (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 120000). */
  timeoutMs?: number;
  /** Retry policy; maxRetries defaults to 4. */
  retry?: Partial<RetryPolicy>;
  /** How many top logprobs to ask for when reading candidate probabilities (default 20). */
  topLogprobs?: number;
  /** Custom fetch (proxies, tests); defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The score route's answer (what `steplens serve` returns from POST /v1/score). */
interface RemoteScoreBody {
  steps: Array<{ index: number; score: number; margin?: number }>;
  model?: string;
  adapter?: string;
  evaluatedTokens?: number;
  traceTokens?: number;
}

interface CallContext {
  what: string;
  model?: string;
}

interface RequestOptions {
  signal: AbortSignal;
  timeout: number;
  maxRetries: 0;
}

export class OpenAiEngine implements Engine {
  private readonly client: OpenAI;
  private readonly limiter: ConcurrencyLimiter;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly baseUrl: string;
  private readonly rootUrl: string;
  private readonly modelNames: Record<ModelRole, string>;
  private readonly adapter: string;
  private readonly topLogprobs: number;
  private readonly disposed = new AbortController();

  constructor(options: OpenAiEngineOptions) {
    if (!options.baseUrl) throw new StepLensError("No endpoint base URL.", { hint: "Set steplens.openai.baseUrl (e.g. http://127.0.0.1:8080/v1)." });
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new StepLensError(`Endpoint base URL '${options.baseUrl}' is not a URL.`, { hint: "Use a full URL such as http://127.0.0.1:8080/v1." });
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new StepLensError(`Endpoint base URL '${options.baseUrl}' must use http or https.`, { hint: "Use a full URL such as http://127.0.0.1:8080/v1." });
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.rootUrl = this.baseUrl.replace(/\/v1$/, "");
    const fallback = options.model || "";
    this.modelNames = Object.fromEntries(MODEL_ROLES.map((r) => [r, options.models?.[r] || fallback])) as Record<ModelRole, string>;
    this.adapter = options.prmAdapter || "judge";
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.limiter = new ConcurrencyLimiter(Math.max(1, Math.floor(options.concurrency ?? 4)));
    this.topLogprobs = Math.max(1, Math.min(20, Math.floor(options.topLogprobs ?? 20)));
    const key = options.apiKey ?? "";
    this.client = new OpenAI({
      baseURL: this.baseUrl,
      // The key is the caller's; with none, send no Authorization header at all (local servers).
      apiKey: key || "no-key",
      defaultHeaders: key ? undefined : { Authorization: null },
      organization: null,
      project: null,
      maxRetries: 0, // retries are ours: one policy, one queue, Retry-After honoured, cancellable waits
      timeout: this.timeoutMs,
      fetch: options.fetch,
      logLevel: "off",
    });
  }

  info(): EngineInfo {
    return { kind: "openai", device: this.baseUrl, models: { ...this.modelNames }, queued: this.limiter.active + this.limiter.waiting };
  }

  /** Requests running and waiting (the concurrency limit holds `active` <= limit). */
  get load(): { active: number; waiting: number; limit: number } {
    return { active: this.limiter.active, waiting: this.limiter.waiting, limit: this.limiter.limit };
  }

  private modelFor(role: ModelRole): string {
    const m = this.modelNames[role];
    if (!m)
      throw new StepLensError(`No endpoint model set for role '${role}'.`, {
        hint: "Set steplens.openai.model (or steplens.openai.prmModel for the PRM role).",
      });
    return m;
  }

  /**
   * Runs one endpoint call under the concurrency limit, retrying transient failures. The slot is
   * held during backoff waits so a struggling server does not get more requests in flight.
   */
  private async call<T>(ctx: CallContext, fn: (o: RequestOptions) => Promise<T>, opts?: RunOptions): Promise<T> {
    // Not AbortSignal.any: its signals leak while the long-lived sources live (see core/linkedSignal.ts).
    const linked = linkedSignal([opts?.signal, this.disposed.signal]);
    try {
      return await this.callLinked(ctx, fn, linked.signal);
    } finally {
      linked.dispose();
    }
  }

  private async callLinked<T>(ctx: CallContext, fn: (o: RequestOptions) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.limiter.run(async () => {
      for (let attempt = 0; ; attempt++) {
        throwIfAborted(signal);
        try {
          return await fn({ signal, timeout: this.timeoutMs, maxRetries: 0 });
        } catch (e) {
          if (signal.aborted || isUserAbort(e)) throw new CancelledError();
          const retryable = isRetryableStatus(statusOf(e)) || isTransientConnectionError(e);
          const context = { baseUrl: this.baseUrl, model: ctx.model, what: ctx.what, timeoutMs: this.timeoutMs, attempts: attempt + 1 };
          if (!retryable || attempt >= this.policy.maxRetries) throw endpointError(e, context);
          const retryAfter = parseRetryAfter(headersOf(e));
          if (retryAfter !== undefined && retryAfter > this.policy.maxRetryAfterMs) {
            throw new StepLensError(
              `${ctx.what}: ${this.baseUrl} asked to wait ${Math.ceil(retryAfter / 1000)} s before retrying (Retry-After, status ${statusOf(e)}), longer than the ${Math.ceil(this.policy.maxRetryAfterMs / 1000)} s StepLens waits.`,
              {
                code: "endpoint-retry-after",
                hint: "The endpoint is rate-limiting: try again later or lower steplens.openai.concurrency.",
              },
            );
          }
          await sleep(retryDelayMs(attempt, this.policy, retryAfter), signal);
        }
      }
    }, signal);
  }

  async countTokens(text: string, role: ModelRole, opts?: RunOptions): Promise<number> {
    const model = this.modelFor(role);
    // vLLM and `steplens serve` answer POST /tokenize at the server root.
    try {
      const r = await this.call(
        { what: "count tokens", model },
        (o) =>
          this.client.post<{ count?: number; tokens?: unknown[] }>(`${this.rootUrl}/tokenize`, {
            body: { model, prompt: text, add_special_tokens: false },
            ...o,
          }),
        opts,
      );
      if (typeof r.count === "number") return r.count;
      if (Array.isArray(r.tokens)) return r.tokens.length;
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      if (!(e instanceof StepLensError && e.details.code === "endpoint-not-found")) throw e;
    }
    // Elsewhere: the prompt token count a one-token completion reports.
    const r = await this.call(
      { what: "count tokens", model },
      (o) => this.client.completions.create({ model, prompt: text, max_tokens: 1, temperature: 0 }, o),
      opts,
    );
    if (typeof r.usage?.prompt_tokens !== "number") {
      throw new StepLensError(`count tokens: ${this.baseUrl} has no /tokenize route and reports no usage.`, {
        hint: "Use an endpoint with /tokenize (vLLM, steplens serve).",
      });
    }
    return r.usage.prompt_tokens;
  }

  async generate(req: GenerateRequest, opts?: RunOptions): Promise<Generation[]> {
    const n = Math.max(1, Math.floor(req.n ?? 1));
    const seed = req.seed;
    if (seed !== undefined && n > 1) {
      // Reproducible samples: sample i uses seed + i, exactly like a one-sample request would.
      let done = 0;
      const parts = await allOrAbort(opts, (batchOpts) =>
        Array.from({ length: n }, (_, i) =>
          this.generateOnce(req.role, req.prompt, { ...req, n: 1, seed: seed + i }, batchOpts).then(([g]) => {
            opts?.onProgress?.({ done: ++done, total: n, message: "samples" });
            if (g === undefined)
              throw new StepLensError(`${this.modelFor(req.role)}: the endpoint answered sample ${i + 1} of ${n} (seed ${seed + i}) with no choice.`);
            return g;
          }),
        ),
      );
      return parts;
    }
    const gens = await this.generateOnce(req.role, req.prompt, { ...req, n }, opts);
    opts?.onProgress?.({ done: n, total: n, message: "samples" });
    return gens;
  }

  /** Continues a shared prefix `n` times; the endpoint's own prefix cache shares its evaluation. */
  rollouts(req: RolloutRequest, opts?: RunOptions): Promise<Generation[]> {
    return this.generate({ ...req, prompt: req.prefix }, opts);
  }

  /** Rollouts after every boundary of one text: one request per boundary (the endpoint's prefix cache may share their prompts). */
  prefixRollouts(req: PrefixRolloutRequest, opts?: RunOptions): Promise<PrefixRollouts> {
    return prefixRolloutsViaRollouts(this, req, opts);
  }

  private async generateOnce(role: ModelRole, prompt: Prompt, s: SamplingOptions & { n: number }, opts?: RunOptions): Promise<Generation[]> {
    const model = this.modelFor(role);
    if (typeof prompt === "string") {
      const body: OpenAI.CompletionCreateParamsNonStreaming & { response_format?: object } = {
        model,
        prompt,
        n: s.n,
        ...samplingParams(s),
        ...(s.jsonSchema ? { response_format: jsonSchemaFormat(s.jsonSchema) } : {}),
      };
      const r = await this.call({ what: "completion", model }, (o) => this.client.completions.create(body, o), opts);
      const choices = [...r.choices].sort((a, b) => a.index - b.index);
      const tokens = splitUsage(
        r.usage?.completion_tokens,
        choices.map((c) => c.text),
      );
      return choices.map((c, i) => ({ text: c.text, finishReason: finishReason(c.finish_reason), tokens: shareOf(tokens, i) }));
    }
    const body: OpenAI.ChatCompletionCreateParamsNonStreaming = {
      model,
      messages: toChatMessages(prompt),
      n: s.n,
      ...samplingParams(s),
      ...(s.jsonSchema ? { response_format: jsonSchemaFormat(s.jsonSchema) } : {}),
    };
    const r = await this.call({ what: "chat completion", model }, (o) => this.client.chat.completions.create(body, o), opts);
    const choices = [...r.choices].sort((a, b) => a.index - b.index);
    const texts = choices.map((c) => c.message.content ?? "");
    const tokens = splitUsage(r.usage?.completion_tokens, texts);
    return choices.map((c, i) => ({ text: c.message.content ?? "", finishReason: finishReason(c.finish_reason), tokens: shareOf(tokens, i) }));
  }

  async tokenProbabilities(req: TokenProbabilityRequest, opts?: RunOptions): Promise<TokenProbabilities> {
    if (!req.candidates.length) throw new StepLensError("tokenProbabilities needs at least one candidate.");
    const { top } = await this.firstTokenTop(req.role, req.prompt, opts);
    const { logprobs, normalized } = candidateLogprobs(top, req.candidates, `token probabilities (${this.modelFor(req.role)})`);
    return { logprobs, normalized };
  }

  /** Top logprobs of the first token the model would generate after `prompt` (temperature 0, one token). */
  private async firstTokenTop(role: ModelRole, prompt: Prompt, opts?: RunOptions): Promise<{ top: TokenLogprob[]; promptTokens: number }> {
    const model = this.modelFor(role);
    if (typeof prompt === "string") {
      const r = await this.call(
        { what: "token probabilities", model },
        (o) => this.client.completions.create({ model, prompt, max_tokens: 1, temperature: 0, logprobs: this.topLogprobs }, o),
        opts,
      );
      return { top: firstTokenFromCompletion(r) ?? [], promptTokens: r.usage?.prompt_tokens ?? 0 };
    }
    const r = await this.call(
      { what: "token probabilities", model },
      (o) =>
        this.client.chat.completions.create(
          { model, messages: toChatMessages(prompt), max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: this.topLogprobs },
          o,
        ),
      opts,
    );
    return { top: firstTokenFromChat(r) ?? [], promptTokens: r.usage?.prompt_tokens ?? 0 };
  }

  async scoreSteps(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
    const adapter = this.adapter;
    if (needsClassificationHead(adapter)) return this.scoreWithPooling(req, opts);
    if (adapter === "judge" || findPreset(adapter)?.adapter === "judge") return this.scoreWithJudge(req, opts);
    return this.scoreRemote(req, opts);
  }

  /**
   * Judge adapter: one request per step prefix, all under the concurrency limit;
   * score = P(Yes) / (P(Yes) + P(No)), margin = log P(Yes) - log P(No). A candidate absent from
   * the top logprobs is bounded by the lowest top logprob (so margins stay finite).
   */
  private async scoreWithJudge(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
    const t0 = performance.now();
    const model = this.modelFor("prm");
    const format = findPreset(this.adapter)?.format ?? {};
    const { positive, negative } = judgeLabels(format);
    let done = 0;
    const perStep = await allOrAbort(opts, (batchOpts) =>
      req.steps.map(async (_, index) => {
        const { top, promptTokens } = await this.firstTokenTop("prm", judgeMessages(req.problem, req.steps, index, format), batchOpts);
        const c = candidateLogprobs(top, [positive, negative], `judge step ${index + 1} (${model})`);
        const yesLogprob = c.logprobs[positive];
        const noLogprob = c.logprobs[negative];
        const yes = typeof yesLogprob === "number" && Number.isFinite(yesLogprob) ? yesLogprob : c.floor;
        const no = typeof noLogprob === "number" && Number.isFinite(noLogprob) ? noLogprob : c.floor;
        const margin = yes - no;
        opts?.onProgress?.({ done: ++done, total: req.steps.length, message: "steps" });
        return { score: { index, score: 1 / (1 + Math.exp(-margin)), margin } satisfies StepScore, promptTokens };
      }),
    );
    return {
      steps: perStep.map((p) => p.score),
      model,
      adapter: "judge",
      evaluatedTokens: perStep.reduce((s, p) => s + p.promptTokens, 0),
      traceTokens: perStep.at(-1)?.promptTokens ?? 0,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /**
   * Qwen2.5-Math-PRM on vLLM's pooling API (see poolingPrm.ts): one POST /pooling per trace, the
   * `token_classify` task, else the older `reward` task, else the server's default; P(correct) at each
   * `<extra_0>` separator.
   */
  private async scoreWithPooling(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
    const t0 = performance.now();
    const model = this.modelFor("prm");
    const system = findPreset(this.adapter)?.format?.system ?? QWEN_PRM_SYSTEM;
    const input = qwenPrmInput(req.problem, req.steps, system);
    let body: unknown;
    let task: string | null = null;
    let refused = "";
    for (const t of POOLING_TASKS) {
      try {
        body = await this.call(
          { what: "pooling", model },
          (o) => this.client.post<unknown>(`${this.rootUrl}/pooling`, { body: poolingRequest(model, input, t), ...o }),
          opts,
        );
        task = t;
        break;
      } catch (e) {
        if (!(e instanceof StepLensError)) throw e;
        if (e.details.code === "endpoint-not-found") throw noPoolingRouteError(this.baseUrl, `POST ${this.rootUrl}/pooling answered 404`);
        if (e.details.code !== "endpoint-bad-request") throw e;
        refused = e.message; // the task name was refused (or the model is not a pooling model): try the next one
      }
    }
    if (body === undefined) throw noPoolingRouteError(this.baseUrl, `every task was refused; last: ${refused}`);
    let rows = poolingRows(body);
    if (!rows) throw noPoolingRouteError(this.baseUrl, "the /pooling answer is not {data: [{data: [[p_incorrect, p_correct], …]}]}");
    if (rows.length !== req.steps.length) rows = await this.separatorRows(model, input, rows, req.steps.length, opts);
    const steps = rows.map((row, index) => ({ index, ...correctProbability(row) }));
    opts?.onProgress?.({ done: steps.length, total: steps.length, message: "steps" });
    const usage = (body as { usage?: { prompt_tokens?: number } }).usage;
    return {
      steps,
      model,
      adapter: `${this.adapter} (vLLM /pooling${task ? `, task ${task}` : ""})`,
      evaluatedTokens: usage?.prompt_tokens ?? 0,
      traceTokens: usage?.prompt_tokens ?? 0,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** A server that returned one row per token: keep the rows at the separator's token id (positions from /tokenize). */
  private async separatorRows(model: string, input: string, rows: number[][], nSteps: number, opts?: RunOptions): Promise<number[][]> {
    const mismatch = `${rows.length} rows for ${nSteps} steps`;
    let tokens: unknown;
    try {
      const r = await this.call(
        { what: "tokenize", model },
        (o) => this.client.post<{ tokens?: unknown }>(`${this.rootUrl}/tokenize`, { body: { model, prompt: input }, ...o }),
        opts,
      );
      tokens = r.tokens;
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      throw noPoolingRouteError(this.baseUrl, `${mismatch}, and /tokenize could not locate the separators: ${errorMessageOf(e)}`);
    }
    if (!Array.isArray(tokens) || tokens.length !== rows.length) throw noPoolingRouteError(this.baseUrl, `${mismatch}, not one per token either`);
    const picked = rows.filter((_, i) => tokens[i] === QWEN_PRM_SEPARATOR_ID);
    if (picked.length !== nSteps) throw noPoolingRouteError(this.baseUrl, `${picked.length} separators for ${nSteps} steps`);
    return picked;
  }

  /** A StepLens server scores the whole trace in one pass with its own PRM adapter. */
  private async scoreRemote(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult> {
    const t0 = performance.now();
    const model = this.modelFor("prm");
    let body: unknown;
    try {
      body = await this.call(
        { what: "score", model },
        (o) =>
          this.client.post<unknown>("/score", {
            body: { model, problem: req.problem, steps: req.steps, ...(req.cacheKey ? { cacheKey: req.cacheKey } : {}) },
            ...o,
          }),
        opts,
      );
    } catch (e) {
      if (e instanceof StepLensError && e.details.code === "endpoint-not-found") {
        throw new StepLensError(
          `score: ${this.baseUrl} has no /score route, so it is not a StepLens server; PRM adapter '${this.adapter}' needs token logits at each step, which chat/completions endpoints do not expose.`,
          {
            code: "no-score-route",
            hint: "Point steplens.openai.baseUrl at `steplens serve --model <prm.gguf>`, or set prm.adapter to 'judge' to score with an instruct model's Yes/No logprobs.",
          },
        );
      }
      throw e;
    }
    const parsed = parseRemoteScore(body, req.steps.length, this.baseUrl);
    opts?.onProgress?.({ done: req.steps.length, total: req.steps.length, message: "steps" });
    return {
      steps: parsed.steps.map((s) => ({ index: s.index, score: s.score, margin: s.margin ?? Math.log(s.score / Math.max(1e-12, 1 - s.score)) })),
      model: parsed.model ?? model,
      adapter: parsed.adapter ?? this.adapter,
      evaluatedTokens: parsed.evaluatedTokens ?? 0,
      traceTokens: parsed.traceTokens ?? 0,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  async dispose(): Promise<void> {
    this.disposed.abort();
  }
}

function errorMessageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs parallel requests; the first failure cancels the others (so they do not keep holding
 * concurrency slots) and is the error reported.
 */
async function allOrAbort<T>(opts: RunOptions | undefined, start: (o: RunOptions) => Promise<T>[]): Promise<T[]> {
  const batch = new AbortController();
  const linked = linkedSignal([opts?.signal, batch.signal]);
  const tasks = start({ ...opts, signal: linked.signal }).map((p) =>
    p.catch((e: unknown) => {
      batch.abort();
      throw e;
    }),
  );
  try {
    return await Promise.all(tasks);
  } finally {
    linked.dispose();
  }
}

function samplingParams(s: SamplingOptions): { temperature?: number; top_p?: number; seed?: number; max_tokens?: number; stop?: string[] } {
  return {
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(s.maxTokens !== undefined ? { max_tokens: s.maxTokens } : {}),
    ...(s.stop?.length ? { stop: s.stop } : {}),
  };
}

function jsonSchemaFormat(schema: object): { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict: boolean } } {
  return { type: "json_schema", json_schema: { name: "steplens_output", schema: schema as Record<string, unknown>, strict: true } };
}

function toChatMessages(messages: ChatMessage[]): OpenAI.ChatCompletionMessageParam[] {
  return messages.map((m) => ({ role: m.role, content: m.content }));
}

function finishReason(r: string | null | undefined): Generation["finishReason"] {
  return r === "length" ? "length" : "stop";
}

/**
 * Per-choice token counts from the usage total: exact for one choice; for several, the total is
 * shared out in proportion to text length (endpoints report one total for all `n` choices).
 */
export function splitUsage(total: number | undefined, texts: string[]): number[] {
  if (texts.length === 0) return [];
  if (total === undefined) return texts.map(() => 0);
  if (texts.length === 1) return [total];
  const lengths = texts.map((t) => Math.max(1, t.length));
  const sum = lengths.reduce((a, b) => a + b, 0);
  const shares = lengths.map((l) => Math.floor((total * l) / sum));
  const rest = total - shares.reduce((a, b) => a + b, 0);
  if (!(rest > 0)) return shares;
  // The rest, one token at a time round the shares from the first: every share gets the whole
  // rounds, the first rest % n one more.
  const rounds = Math.floor(rest / shares.length);
  const more = rest % shares.length;
  return shares.map((s, i) => s + rounds + (i < more ? 1 : 0));
}

/** Choice i's share of the usage (splitUsage gives one share per choice's text). */
function shareOf(shares: readonly number[], i: number): number {
  const share = shares[i];
  if (share === undefined) throw new Error(`internal: splitUsage gave ${shares.length} shares, none for choice ${i}`);
  return share;
}

/** What parseRemoteScore checks of a /v1/score answer (the other fields are read as optional). */
const RemoteScoreShape = v.looseObject({ steps: v.array(v.unknown()) });
const RemoteScoreSteps = v.array(v.looseObject({ index: v.number(), score: v.pipe(v.number(), v.minValue(0), v.maxValue(1)) }));

function parseRemoteScore(body: unknown, nSteps: number, baseUrl: string): RemoteScoreBody {
  const bad = (why: string) =>
    new StepLensError(`score: ${baseUrl}/score answered in an unexpected shape (${why}).`, {
      hint: "Is the endpoint a StepLens server (`steplens serve`) of the same version?",
    });
  if (!v.is(RemoteScoreShape, body)) throw bad("no steps array");
  if (body.steps.length !== nSteps) throw bad(`${body.steps.length} scores for ${nSteps} steps`);
  if (!v.is(RemoteScoreSteps, body.steps)) throw bad("a step without index and score in [0, 1]");
  return body as RemoteScoreBody;
}
