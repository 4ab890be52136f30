/**
 * `steplens serve`: the loaded models as an OpenAI-compatible HTTP server (node:http), shared with
 * other tools and remote trainers. 127.0.0.1 by default; any other bind needs a bearer token.
 * Requests queue fairly onto the engine; bad requests get an OpenAI-shaped 4xx and the server
 * keeps serving; oversized bodies get 413; close() drains in-flight work, then stops.
 * No `vscode` import here.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CancelledError, StepLensError, errorMessage } from "../core/errors";
import type { Engine } from "../engines/engine";
import { ApiError } from "./apiError";
import { MIN_REMOTE_TOKEN_LENGTH, bearerMatches, hostnameOf, isLoopbackHost } from "./bearerAuth";
import { DEFAULT_CONFIG } from "../config";
import type { RewardLog, RewardLogEntry } from "../rewards/rewardLog";
import { checkRewardOptions, rewardOptionsFromConfig, type RewardOptions } from "../rewards/rewardScorer";
import { ConnectionCap } from "./connectionCap";
import { STATUS_POLL_HEADER } from "./statusPoll";
import { FairQueue } from "./fairQueue";
import { RequestRate } from "./requestRate";
import { servedModels } from "./servedModels";
import { BodyTooLargeError, readJsonBody } from "./readJsonBody";
import type { RouteContext, RouteHandler } from "./routeContext";
import { chatCompletionsRoute } from "./routes/chatCompletions";
import { completionsRoute } from "./routes/completions";
import { getRewardRoute } from "./routes/getReward";
import { healthRoute } from "./routes/health";
import { modelsRoute } from "./routes/models";
import { rewardRoute } from "./routes/reward";
import { scoreRoute } from "./routes/score";
import { tokenizeRoute } from "./routes/tokenize";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8080;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_WAITING = 256;
export const DEFAULT_GRACE_MS = 10_000;
/** A client must send its request headers within this time (Node's own default is 60 s). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 20_000;
/** … and the whole request (headers and body) within this (Node's default is 300 s). Answers may take longer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Open connections at once; past it, those still sending headers are closed, oldest first (Node's default: no cap). */
export const DEFAULT_MAX_CONNECTIONS = 256;
/** After the grace period: how long cancelled requests get to send their 503. */
const CANCEL_ANSWER_MS = 2_000;

export interface StepLensServerOptions {
  engine: Engine;
  /** Interface to bind (default 127.0.0.1). Anything but loopback needs `token`. */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Bearer token clients must send (`Authorization: Bearer …`); required off loopback. */
  token?: string;
  /** Largest accepted request body in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Engine calls running at once (default 4: the local engine's sequences). */
  concurrency?: number;
  /** Requests allowed to wait for a slot before the server answers 503 (default 256). */
  maxWaiting?: number;
  /** Default step threshold for /v1/score (default 0.5). */
  threshold?: number;
  /** Time for a client to send the request headers, in ms (default 20 000); slower clients get 408 and are closed. */
  headersTimeoutMs?: number;
  /** Time for a client to send the whole request, in ms (default 60 000; not the time to answer it). */
  requestTimeoutMs?: number;
  /** Open connections at once (default 256); past it, connections still sending their headers are closed, oldest first. */
  maxConnections?: number;
  /** One line per request (method, path, status, ms) and per problem. */
  log?: (line: string) => void;
  /** How /get_reward and /v1/reward reward a rollout (default: settings' defaults — SPARK's gate, the PRM's min). */
  rewards?: RewardOptions;
  /** Every rollout rewarded on /get_reward and /v1/reward is appended here (`--reward-log`); the caller closes it. */
  rewardLog?: RewardLog;
}

interface Route {
  method: "GET" | "POST";
  handler: RouteHandler;
  /** False only for /health. */
  auth: boolean;
}

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ["/v1/chat/completions", { method: "POST", handler: chatCompletionsRoute, auth: true }],
  ["/v1/completions", { method: "POST", handler: completionsRoute, auth: true }],
  ["/v1/models", { method: "GET", handler: modelsRoute, auth: true }],
  ["/v1/score", { method: "POST", handler: scoreRoute, auth: true }],
  ["/tokenize", { method: "POST", handler: tokenizeRoute, auth: true }],
  ["/get_reward", { method: "POST", handler: getRewardRoute, auth: true }],
  ["/v1/reward", { method: "POST", handler: rewardRoute, auth: true }],
  ["/health", { method: "GET", handler: healthRoute, auth: false }],
] as const);

/**
 * Refuses a bind off loopback without a bearer token (anyone who can reach the port could use
 * the models), or with a token too short to resist guessing.
 */
export function checkBindSecurity(host: string, token: string | undefined): void {
  if (isLoopbackHost(host)) return;
  if (!token) {
    throw new StepLensError(`Refusing to listen on ${host} without a bearer token: anyone who can reach it could use the models.`, {
      code: "serve-token-required",
      hint: `Pass --token <secret> (or set STEPLENS_SERVE_TOKEN), at least ${MIN_REMOTE_TOKEN_LENGTH} characters, or bind to 127.0.0.1.`,
    });
  }
  if (token.length < MIN_REMOTE_TOKEN_LENGTH) {
    throw new StepLensError(`The bearer token is ${token.length} characters; a server on ${host} needs at least ${MIN_REMOTE_TOKEN_LENGTH}.`, {
      code: "serve-token-short",
      hint: "Generate one, e.g. `openssl rand -hex 24`.",
    });
  }
}

export class StepLensServer {
  private readonly queue: FairQueue;
  private readonly inFlight = new Set<AbortController>();
  private readonly startedAt = Date.now();
  private readonly rate = new RequestRate();
  private closing: Promise<void> | undefined;
  private readonly loopback: boolean;
  private rewardLogErrors = 0;

  private constructor(
    private readonly http: http.Server,
    private readonly options: Required<Omit<StepLensServerOptions, "token" | "log" | "rewardLog">> & Pick<StepLensServerOptions, "token" | "log" | "rewardLog">,
  ) {
    this.queue = new FairQueue(options.concurrency, options.maxWaiting);
    this.loopback = isLoopbackHost(options.host);
  }

  /** Checks the options, binds, and resolves once the server listens. */
  static async start(options: StepLensServerOptions): Promise<StepLensServer> {
    const host = options.host ?? DEFAULT_HOST;
    const token = options.token || undefined;
    checkBindSecurity(host, token);
    const resolved = {
      engine: options.engine,
      host,
      port: options.port ?? DEFAULT_PORT,
      token,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
      maxWaiting: Math.max(0, Math.floor(options.maxWaiting ?? DEFAULT_MAX_WAITING)),
      threshold: options.threshold ?? 0.5,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      log: options.log,
      rewards: options.rewards ?? rewardOptionsFromConfig(DEFAULT_CONFIG),
      rewardLog: options.rewardLog,
    };
    checkRewardOptions(resolved.rewards);
    if (!(resolved.maxBodyBytes > 0)) throw new StepLensError(`--max-body must be a positive number of bytes, got ${options.maxBodyBytes}.`);
    for (const [flag, v] of [
      ["--headers-timeout", resolved.headersTimeoutMs],
      ["--request-timeout", resolved.requestTimeoutMs],
      ["--max-connections", resolved.maxConnections],
    ] as const)
      if (!(Number.isInteger(v) && v > 0)) throw new StepLensError(`${flag} must be a positive integer, got ${v}.`, { code: "serve-bad-option" });
    // Node requires headersTimeout <= requestTimeout; it checks both every connectionsCheckingInterval.
    resolved.headersTimeoutMs = Math.min(resolved.headersTimeoutMs, resolved.requestTimeoutMs);
    const server = http.createServer({
      headersTimeout: resolved.headersTimeoutMs,
      requestTimeout: resolved.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(resolved.headersTimeoutMs / 4))),
    });
    // Not server.maxConnections: refusing new connections let stalled clients lock out valid ones (./connectionCap.ts).
    new ConnectionCap({
      max: resolved.maxConnections,
      onEvict: (why) =>
        options.log?.(
          why === "all-busy"
            ? `closed a new connection: ${resolved.maxConnections} open, all busy (--max-connections)`
            : `closed the oldest connection still sending its headers: ${resolved.maxConnections} open (--max-connections)`,
        ),
    }).attach(server);
    const instance = new StepLensServer(server, resolved);
    server.on("request", (req, res) => void instance.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        server.off("listening", onListening);
        reject(
          e.code === "EADDRINUSE"
            ? new StepLensError(`Port ${resolved.port} on ${host} is already in use.`, {
                code: "serve-port-in-use",
                hint: "Pick another with --port, or stop the other server.",
              })
            : e.code === "EADDRNOTAVAIL"
              ? new StepLensError(`Cannot bind to ${host}: no such local address.`, {
                  code: "serve-bad-host",
                  hint: "Use 127.0.0.1, 0.0.0.0 or an address of this machine.",
                })
              : e,
        );
      };
      const onListening = () => {
        server.off("error", onError);
        resolve();
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen(resolved.port, host);
    });
    return instance;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get host(): string {
    return this.options.host;
  }

  /** Base URL, e.g. http://127.0.0.1:8080 (the OpenAI base URL is this + "/v1"). */
  get url(): string {
    const h = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return `http://${h}:${this.port}`;
  }

  /** Requests running on the engine and waiting for it. */
  get load(): { active: number; waiting: number } {
    return { active: this.queue.active, waiting: this.queue.waiting };
  }

  /**
   * Stops accepting connections, answers waiting requests 503, lets running ones finish for up to
   * `graceMs`, then cancels what is left and closes every connection. The engine is not disposed
   * (its owner does that).
   */
  close(graceMs: number = DEFAULT_GRACE_MS): Promise<void> {
    this.closing ??= (async () => {
      this.queue.close();
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.http.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (this.inFlight.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        this.http.closeIdleConnections();
      }
      // Cancel what is left and give it a moment to answer 503 before the sockets go.
      for (const c of this.inFlight) c.abort();
      const answerBy = Date.now() + CANCEL_ANSWER_MS;
      while (this.inFlight.size > 0 && Date.now() < answerBy) await new Promise((r) => setTimeout(r, 10));
      this.http.closeAllConnections();
      await closed;
    })();
    return this.closing;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const controller = new AbortController();
    this.inFlight.add(controller);
    // The client went away before the answer was written: stop its work.
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
      this.inFlight.delete(controller);
    });
    let status = 500;
    try {
      const body = await this.dispatch(req, controller.signal);
      status = 200;
      this.send(res, 200, body);
    } catch (e) {
      const err = this.toApiError(e, controller.signal);
      status = err?.status ?? 499;
      if (err) {
        if (err instanceof BodyTooLargeError && err.mustClose) res.setHeader("Connection", "close");
        this.send(res, err.status, err.body(), err.headers);
        if (err instanceof BodyTooLargeError && err.mustClose) res.on("finish", () => req.socket.destroy());
        if (err.status >= 500 && err.code !== "server_busy" && err.code !== "shutting_down")
          this.options.log?.(`error: ${req.method} ${req.url}: ${err.message}`);
      } else if (!res.headersSent) {
        res.destroy();
      }
    } finally {
      // The editor's own status poll (./statusPoll.ts) is neither logged nor counted.
      if (!(req.headers[STATUS_POLL_HEADER] && pathOf(req) === "/health" && status === 200)) {
        this.rate.add();
        this.options.log?.(`${req.method} ${pathOf(req)} ${status} ${(performance.now() - t0).toFixed(0)}ms`);
      }
    }
  }

  private async dispatch(req: http.IncomingMessage, signal: AbortSignal): Promise<unknown> {
    // A page in a browser could reach a loopback server through DNS rebinding: accept only
    // loopback Host names there (off loopback the bearer token guards the server).
    if (this.loopback && req.headers.host !== undefined && !isLoopbackHost(hostnameOf(req.headers.host))) {
      throw new ApiError(
        403,
        `Host '${req.headers.host}' is not allowed: this server only answers requests addressed to the loopback interface.`,
        "invalid_request_error",
        null,
        "host_not_allowed",
      );
    }
    const path = pathOf(req);
    const route = ROUTES.get(path);
    if (!route) {
      throw new ApiError(
        404,
        `Unknown route ${req.method} ${path}. Routes: ${[...ROUTES].map(([p, r]) => `${r.method} ${p}`).join(", ")}.`,
        "invalid_request_error",
        null,
        "unknown_url",
      );
    }
    if (req.method !== route.method) {
      throw new ApiError(405, `${path} takes ${route.method}, not ${req.method}.`, "invalid_request_error", null, "method_not_allowed", {
        Allow: route.method,
      });
    }
    if (route.auth && this.options.token !== undefined && !bearerMatches(req.headers.authorization, this.options.token)) {
      throw new ApiError(
        401,
        "Missing or wrong bearer token: send 'Authorization: Bearer <token>' (the server's --token / STEPLENS_SERVE_TOKEN).",
        "authentication_error",
        null,
        "invalid_api_key",
        {
          "WWW-Authenticate": 'Bearer realm="steplens"',
        },
      );
    }
    let body: Record<string, unknown> = {};
    if (route.method === "POST") {
      const type = String(req.headers["content-type"] ?? "");
      if (!/^application\/json\b/i.test(type)) {
        req.resume();
        throw new ApiError(
          415,
          `Send the request body as JSON with 'Content-Type: application/json' (got '${type || "none"}').`,
          "invalid_request_error",
          null,
          "unsupported_media_type",
        );
      }
      body = await readJsonBody(req, this.options.maxBodyBytes);
    }
    const ctx: RouteContext = {
      engine: this.options.engine,
      body,
      signal,
      lane: laneOf(req),
      queue: this.queue,
      served: servedModels(this.options.engine.info()),
      threshold: this.options.threshold,
      startedAt: this.startedAt,
      rewards: this.options.rewards,
      logRewards: this.options.rewardLog ? (entries) => this.logRewards(entries) : undefined,
      requestsPerSecond: () => this.rate.perSecond(),
      requestsTotal: () => this.rate.total,
    };
    return route.handler(ctx);
  }

  /** Appends to the reward log; a failed write (disk full) is reported and does not fail the reward. */
  private logRewards(entries: RewardLogEntry[]): void {
    const log = this.options.rewardLog!;
    try {
      log.appendMany(entries);
    } catch (e) {
      this.rewardLogErrors++;
      if (this.rewardLogErrors <= 5 || this.rewardLogErrors % 1000 === 0)
        (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
          `error: reward log ${log.file}: ${errorMessage(e)} (${this.rewardLogErrors} failed write${this.rewardLogErrors === 1 ? "" : "s"}; rewards are still answered)`,
        );
    }
  }

  /** The answer for a failure, or undefined when the client is gone (nothing to answer). */
  private toApiError(e: unknown, signal: AbortSignal): ApiError | undefined {
    if (e instanceof ApiError) return e;
    if (e instanceof CancelledError || (e instanceof Error && e.name === "AbortError")) {
      if (this.closing) return new ApiError(503, "Server is shutting down.", "server_error", null, "shutting_down");
      return signal.aborted ? undefined : new ApiError(499, "Request cancelled.", "invalid_request_error", null, "cancelled");
    }
    // Errors a user can act on (context too small, bad schema, …) are the request's fault.
    if (e instanceof StepLensError) return new ApiError(400, e.format(), "invalid_request_error", null, e.details.code ?? "engine_error");
    return new ApiError(500, `Internal error: ${errorMessage(e)}`, "server_error", null, "internal_error");
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    });
    res.end(text);
  }
}

function pathOf(req: http.IncomingMessage): string {
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  const p = q >= 0 ? raw.slice(0, q) : raw;
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}

/** One fair-queue lane per client: `X-StepLens-Client` when sent, else the peer address. */
function laneOf(req: http.IncomingMessage): string {
  const named = req.headers["x-steplens-client"];
  if (typeof named === "string" && named.trim()) return `client:${named.trim().slice(0, 64)}`;
  return `addr:${req.socket.remoteAddress ?? "?"}`;
}
