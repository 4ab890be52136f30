/**
 * `steplens serve`: the local models behind an OpenAI-compatible HTTP server (plus /v1/score and
 * /get_reward) for other tools and remote trainers. Runs until Ctrl-C (SIGINT/SIGTERM), then
 * drains in-flight requests and frees the models.
 */
import { DEFAULT_CONFIG, type StepLensConfig } from "../../config";
import { MODEL_ROLES, type Engine } from "../../engines/engine";
import { MIN_REMOTE_TOKEN_LENGTH, isLoopbackHost } from "../../server/bearerAuth";
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  StepLensServer,
  checkBindSecurity,
} from "../../server/stepLensServer";
import { DEMO_NOTICE, isDemoModel } from "../../engines/local/demoModelName";
import { describeGate } from "../../rewards/gatePresets";
import type { RewardOptions } from "../../rewards/rewardScorer";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { ENGINE_OPTIONS, engineConfig, engineFromConfig, resolveModelFlag } from "../flags";
import { defineOptions, optionsHelp, type OptionValues, parseOptions } from "../options";
import { REWARD_LOG_OPTIONS, REWARD_OPTIONS, rewardConfigFromFlags, rewardLogFromFlags } from "../rewardFlags";
import type { RewardLog } from "../../rewards/rewardLog";
import { PRM_MODEL_OPTION, PRM_OPTION, THRESHOLD_OPTION } from "../commonOptions";

const MODELS_GROUP = "Models";
const SERVER_GROUP = "Server";
const MS = { min: 100, max: 3_600_000 };

const OPTIONS = defineOptions({
  model: {
    ...ENGINE_OPTIONS.model,
    group: MODELS_GROUP,
    help: "model for every role: a GGUF file, an hf: URI, a preset, or 'demo' (a generated random-weight model, scores meaningless)",
  },
  "prm-model": { ...PRM_MODEL_OPTION, arg: "<path|hf:URI|preset>", group: MODELS_GROUP },
  prm: { ...PRM_OPTION, group: MODELS_GROUP, defaultText: DEFAULT_CONFIG.prm.adapter },
  threshold: { ...THRESHOLD_OPTION, group: MODELS_GROUP, help: "default step threshold for /v1/score: a step scored below it is an error" },
  // host and token take "" as before the declarations ("" binds every interface, so it needs a token; --token "" is no token).
  host: {
    type: "text",
    arg: "<addr>",
    empty: true,
    group: SERVER_GROUP,
    default: DEFAULT_HOST,
    help: "interface to bind; anything but loopback needs a token",
  },
  port: { type: "int", arg: "<n>", bounds: { min: 0, max: 65535 }, group: SERVER_GROUP, default: DEFAULT_PORT, help: "port; 0 picks a free one" },
  token: {
    type: "text",
    arg: "<t>",
    empty: true,
    group: SERVER_GROUP,
    defaultText: "env STEPLENS_SERVE_TOKEN",
    help: `bearer token clients must send; required off loopback, at least ${MIN_REMOTE_TOKEN_LENGTH} characters there`,
  },
  "max-body": {
    type: "int",
    arg: "<bytes>",
    bounds: { min: 1, max: Number.MAX_SAFE_INTEGER },
    group: SERVER_GROUP,
    default: DEFAULT_MAX_BODY_BYTES,
    help: "largest request body",
  },
  "max-waiting": {
    type: "int",
    arg: "<n>",
    bounds: { min: 0, max: 1_000_000 },
    group: SERVER_GROUP,
    default: 256,
    help: "requests allowed to wait before a new one gets 503; a request's items count once: a 1,024-item reward batch is one request",
  },
  "headers-timeout": {
    type: "int",
    arg: "<ms>",
    bounds: MS,
    group: SERVER_GROUP,
    default: DEFAULT_HEADERS_TIMEOUT_MS,
    help: "a client must send its request headers within this",
  },
  "request-timeout": {
    type: "int",
    arg: "<ms>",
    bounds: MS,
    group: SERVER_GROUP,
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    help: "… and its whole request within this; answers may take longer",
  },
  "max-connections": {
    type: "int",
    arg: "<n>",
    bounds: { min: 1, max: 65_536 },
    group: SERVER_GROUP,
    default: DEFAULT_MAX_CONNECTIONS,
    help: "open connections at once; past it, those still sending headers are closed, oldest first",
  },
  quiet: { type: "boolean", group: SERVER_GROUP, help: "no per-request log lines" },
  gpu: ENGINE_OPTIONS.gpu,
  threads: ENGINE_OPTIONS.threads,
  "context-size": ENGINE_OPTIONS["context-size"],
  sequences: {
    ...ENGINE_OPTIONS.sequences,
    defaultText: String(DEFAULT_CONFIG.local.sequences),
    help: "parallel sequences = engine calls at once; --concurrency is the same flag",
  },
  concurrency: { ...ENGINE_OPTIONS.sequences, hidden: true, help: "the same as --sequences" },
  ...REWARD_OPTIONS,
  ...REWARD_LOG_OPTIONS,
});

type ServeValues = OptionValues<typeof OPTIONS>;

export const serveCommand: CliCommand = {
  name: "serve",
  summary: "serve the local models over an OpenAI-compatible HTTP API (+ /v1/score)",
  help: `Usage: steplens serve --model PATH|hf:URI [options]

Serves the local models (node-llama-cpp) to other tools and remote trainers:
  POST /v1/chat/completions, POST /v1/completions   OpenAI subset: model, messages/prompt, n,
        temperature, top_p, seed, max_tokens, stop, logprobs/top_logprobs (first token),
        response_format {type: "json_schema"}
  GET  /v1/models, GET /health
  POST /v1/score     {"problem", "steps": [...], "threshold"?} -> per-step scores + firstError
  POST /tokenize     {"prompt"} -> {"count"}
  POST /get_reward   OpenRLHF remote reward model: {"query", "prompts", "labels"} -> {"rewards",
                     "scores", "extra_logs"} (format gate + judge + scalarisation, as steplens reward)
  POST /v1/reward    {"items": [{"prompt", "response", "reference"?}], "scalarize"?} -> per-item details
Requests queue fairly onto the model's parallel sequences. Ctrl-C drains and stops.

${optionsHelp(OPTIONS)}

Examples:
  steplens serve --model ./prm.gguf --prm math-shepherd
  steplens serve --model ./prm.gguf --reward-log rl-runs/rewards.jsonl
  STEPLENS_SERVE_TOKEN=$(openssl rand -hex 24) steplens serve --host 0.0.0.0 --model ./judge.gguf --prm judge
  curl -s localhost:8080/v1/score -H 'Content-Type: application/json' \\
       -d '{"problem": "2x = 4", "steps": ["x = 2", "so x = 3"]}'`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (serve takes only options)`);
    const { host, port, "max-body": maxBodyBytes } = values;
    const token = values.token ?? (io.env.STEPLENS_SERVE_TOKEN || undefined);
    if (!values.model && !values["prm-model"]) throw new UsageError("--model is required (a GGUF path, an hf: URI or a preset name)");
    // Refuse an open non-loopback bind before spending time loading models.
    checkBindSecurity(host, token);

    const config = serveConfig(values, io);
    const rewards = rewardConfigFromFlags(values, config);
    if (io.signal.aborted) return 130;
    io.stderr.write(`steplens serve: loading ${describeModels(config)} …\n`);
    // The log is opened before the model loads: a refused file fails at once.
    const rewardLog: RewardLog | undefined = rewardLogFromFlags(values, judgeModel(config, rewards.source));
    let engine: Engine;
    try {
      engine = await engineFromConfig(config, io);
    } catch (e) {
      rewardLog?.close();
      throw e;
    }
    let server: StepLensServer | undefined;
    try {
      // Load every role's model now: a missing file or a PRM that needs an endpoint fails here,
      // not on the first request, and the first request is not slowed by loading.
      for (const role of MODEL_ROLES) if (config.models[role]) await engine.countTokens("warm-up", role, { signal: io.signal });
      server = await StepLensServer.start({
        engine,
        host,
        port,
        token,
        maxBodyBytes,
        concurrency: config.local.sequences,
        maxWaiting: values["max-waiting"],
        headersTimeoutMs: values["headers-timeout"],
        requestTimeoutMs: values["request-timeout"],
        maxConnections: values["max-connections"],
        threshold: config.prm.threshold,
        rewards,
        rewardLog,
        log: values.quiet ? undefined : (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
      });
      const info = engine.info();
      io.stdout.write(`StepLens server listening on ${server.url}  (OpenAI base URL: ${server.url}/v1)\n`);
      io.stdout.write(
        `  device: ${info.device}; PRM adapter: ${config.prm.adapter}; sequences: ${config.local.sequences}; ${token ? "bearer token required" : "no token (loopback only)"}\n`,
      );
      io.stdout.write(
        `  rewards (/get_reward, /v1/reward): ${rewards.source} judge, scalarize ${rewards.scalarize}, format gate ${describeGate(rewards.gatePreset ?? "spark", rewards.gate)}\n`,
      );
      if (rewardLog) io.stdout.write(`  reward log: ${rewardLog.file} (one JSON line per rewarded rollout)\n`);
      const judge = engine.info().models[rewards.source === "prm" ? "prm" : "verifier"];
      if (isDemoModel(judge) || isDemoModel(engine.info().models.prm))
        io.stdout.write(`  ${DEMO_NOTICE}: a generated model with random weights; every score and reward it gives is labelled "demo"\n`);
      if (!isLoopbackHost(host)) io.stdout.write(`  listening beyond this machine: clients must send 'Authorization: Bearer <token>'\n`);
      io.stdout.write("  Ctrl-C stops.\n");
      await waitForAbort(io.signal);
      io.stderr.write("steplens serve: stopping (finishing requests in flight) …\n");
      return 0;
    } finally {
      await server?.close();
      rewardLog?.close();
      await engine.dispose();
      if (server) io.stderr.write("steplens serve: stopped\n");
    }
  },
};

function serveConfig(values: ServeValues, io: CliIo): StepLensConfig {
  if (values.concurrency !== undefined && values.sequences !== undefined) throw new UsageError("--concurrency and --sequences are the same flag: give one.");
  const engineValues = { ...values, endpoint: undefined, "api-model": undefined, sequences: values.sequences ?? values.concurrency };
  const config = engineConfig(engineValues, MODEL_ROLES, io.env, { optional: true });
  if (values["prm-model"]) config.models.prm = resolveModelFlag(values["prm-model"], io.env);
  if (values.prm) config.prm.adapter = values.prm;
  config.prm.threshold = values.threshold;
  return config;
}

/** The judge's model, written on each reward-log line. */
function judgeModel(config: StepLensConfig, source: RewardOptions["source"]): string {
  if (config.engine.kind !== "local") return config.openai.model;
  return (source === "prm" ? config.models.prm : config.models.verifier || config.models.prm) || "";
}

function describeModels(config: StepLensConfig): string {
  const distinct = [...new Set(Object.values(config.models).filter(Boolean))];
  return distinct.join(", ");
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
