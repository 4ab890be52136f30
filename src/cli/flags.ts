/**
 * What every `steplens` command shares besides option parsing (src/cli/options.ts): the input and
 * engine/model option declarations and the config they describe, the PRM adapter choice, the demo
 * model, the progress printer and safe text output. A command file declares its own options and
 * what it does with them.
 */
import path from "node:path";
import { CONFIG_BOUNDS, DEFAULT_CONFIG, type GpuSetting, type StepLensConfig } from "../config";
import type { StepLensError } from "../core/errors";
import type { Progress } from "../core/progress";
import { createEngine } from "../engines/createEngine";
import { findPreset, presetNames, PRM_ADAPTERS } from "../engines/presets";
import type { Engine, ModelRole } from "../engines/engine";
import { DEMO_MODEL_SPEC, ensureDemoModelFile } from "../engines/local/demoModel";
import { DEMO_NOTICE, isDemoModel } from "../engines/local/demoModelName";
import { modelCacheDir } from "../engines/local/modelSource";
import { type CliIo, UsageError } from "./command";
import { defineOptions, type OptionValues } from "./options";

export { DEMO_NOTICE, isDemoModel, UsageError };

/** `--strict`: refuse a text trace, or a dataset record, with invalid UTF-8 instead of warning (every command that reads traces or datasets). */
export const INPUT_OPTIONS = defineOptions({
  strict: {
    type: "boolean",
    group: "Input",
    help: "refuse invalid UTF-8: a text trace as a whole, a dataset record by record (default: a file:line warning, bad bytes read as U+FFFD); binary files are always refused",
  },
});

/** readTraces options from INPUT_OPTIONS: `strict`, and warnings (invalid UTF-8 at file:line) printed on stderr. */
export function inputReadOptions(
  values: { strict: boolean },
  io: Pick<CliIo, "stderr">,
  file: string,
): { strict: boolean; onWarning: (w: StepLensError) => void } {
  return {
    strict: values.strict === true,
    onWarning: (w) =>
      io.stderr.write(
        `${w.details.file ?? file}${w.details.line !== undefined ? `:${w.details.line}` : ""}: warning: ${w.message}${w.details.hint ? ` ${w.details.hint}` : ""}\n`,
      ),
  };
}

const L = CONFIG_BOUNDS;
const MODEL_GROUP = "Model (one of: a local GGUF with --model, or an endpoint with --endpoint and --api-model)";
const LOCAL_GROUP = "Local engine";

/** The model flags every model-running command takes, declared once. */
export const ENGINE_OPTIONS = defineOptions({
  model: {
    type: "text",
    arg: "<path|hf:URI|preset|demo>",
    group: MODEL_GROUP,
    help: `a local GGUF model (node-llama-cpp; GPU when present, else CPU); hf: URIs and presets are downloaded once into the model cache ($STEPLENS_MODEL_CACHE, default ~/.cache/steplens/models); 'demo' generates a tiny random-weight model on the spot (everything runs; ${DEMO_NOTICE})`,
  },
  endpoint: {
    type: "text",
    arg: "<URL>",
    group: MODEL_GROUP,
    help: "an OpenAI-compatible endpoint (vLLM, llama.cpp server, OpenAI, steplens serve); the key comes from OPENAI_API_KEY",
  },
  "api-model": { type: "text", arg: "<name>", group: MODEL_GROUP, help: "the model name the endpoint knows" },
  gpu: {
    type: "enum",
    choices: "local.gpu",
    group: LOCAL_GROUP,
    defaultText: DEFAULT_CONFIG.local.gpu,
    help: "the GPU backend; an absent GPU falls back to the CPU",
  },
  threads: { type: "int", arg: "<n>", bounds: "local.maxThreads", group: LOCAL_GROUP, defaultText: "0: cores - 1", help: "CPU threads" },
  "context-size": {
    type: "int",
    arg: "<n>",
    bounds: "local.contextSize",
    group: LOCAL_GROUP,
    default: DEFAULT_CONFIG.local.contextSize,
    help: "tokens per sequence",
  },
  sequences: {
    type: "int",
    arg: "<n>",
    bounds: "local.sequences",
    group: LOCAL_GROUP,
    defaultText: `${DEFAULT_CONFIG.local.sequences}, at least the samples asked for`,
    help: "parallel sequences",
  },
});

/** The engine flags' values, as every model-running command parses them. */
export type EngineValues = OptionValues<typeof ENGINE_OPTIONS>;

/** The message when a command that runs a model got none. */
export const NO_MODEL_MESSAGE =
  "no model: give --model <path|hf:URI|preset>, --model demo (a generated random-weight model: everything runs, scores are meaningless), or --endpoint <URL> --api-model <name>.";

/** Resolves `--model demo` to the generated demo model's file in the model cache (written when missing). */
export function resolveModelFlag(spec: string, env: NodeJS.ProcessEnv): string {
  if (spec.trim().toLowerCase() !== DEMO_MODEL_SPEC) return spec;
  return ensureDemoModelFile(path.join(modelCacheDir(env.STEPLENS_MODEL_CACHE, env), "demo"));
}

export interface EngineConfigOptions {
  /** Samples per request the command will ask for: sizes the local sequences and the endpoint's concurrency. */
  samples?: number;
  /** The model may be omitted (e.g. `models list`): no NO_MODEL error. */
  optional?: boolean;
}

/**
 * The typed config the engine flags describe, the same StepLensConfig the extension builds from its
 * settings: `--model` goes to every role in `roles`, `--endpoint`/`--api-model` to the OpenAI engine,
 * the local flags within CONFIG_BOUNDS. Everything else keeps its default.
 */
export function engineConfig(values: EngineValues, roles: readonly ModelRole[], env: NodeJS.ProcessEnv, opts: EngineConfigOptions = {}): StepLensConfig {
  const c: StepLensConfig = structuredClone(DEFAULT_CONFIG);
  const { model, endpoint, "api-model": apiModel } = values;
  if (env.STEPLENS_MODEL_CACHE) c.local.modelCacheDir = env.STEPLENS_MODEL_CACHE;
  if (model && endpoint) throw new UsageError("give either --model or --endpoint, not both.");
  if (endpoint) {
    if (!apiModel) throw new UsageError("--endpoint needs --api-model <name> (the model name the server knows).");
    c.engine.kind = "openai";
    c.openai.baseUrl = endpoint;
    c.openai.model = apiModel;
    c.openai.concurrency = Math.min(L["openai.concurrency"]!.max, Math.max(c.openai.concurrency, opts.samples ?? 1));
  } else {
    if (apiModel) throw new UsageError("--api-model goes with --endpoint.");
    if (!model && !opts.optional) throw new UsageError(NO_MODEL_MESSAGE);
    c.engine.kind = "local";
    if (model) {
      const file = resolveModelFlag(model, env);
      for (const role of roles) c.models[role] = file;
    }
  }
  if (values.gpu !== undefined) c.local.gpu = values.gpu as GpuSetting;
  c.local.maxThreads = values.threads ?? c.local.maxThreads;
  c.local.contextSize = values["context-size"];
  c.local.sequences = values.sequences ?? Math.min(L["local.sequences"]!.max, Math.max(c.local.sequences, opts.samples ?? 1));
  return c;
}

/**
 * Sets the PRM adapter on a config: `--prm` when given, else with an endpoint `judge`, else the
 * adapter of the preset `--prm-model`/`--model` names (or the preset itself), else the default.
 * An adapter that is neither known nor a preset is a usage error.
 */
export function applyPrmAdapter(config: StepLensConfig, prm: string | undefined, modelSpec: string | undefined): void {
  if (config.engine.kind === "openai") config.prm.adapter = prm ?? "judge";
  else {
    const preset = findPreset(String(modelSpec));
    config.prm.adapter = prm ?? preset?.adapter ?? (preset ? preset.name : DEFAULT_CONFIG.prm.adapter);
  }
  const adapter = config.prm.adapter;
  if (!(PRM_ADAPTERS as readonly string[]).includes(adapter) && !findPreset(adapter) && !(config.engine.kind === "openai" && adapter === "remote"))
    throw new UsageError(`unknown --prm '${adapter}': use ${PRM_ADAPTERS.join(", ")} or a preset (${presetNames().join(", ")}).`);
}

/** Builds the engine a config describes, with the CLI's key source and warnings on stderr. */
export function engineFromConfig(config: StepLensConfig, io: CliIo): Promise<Engine> {
  return createEngine(config, { apiKey: io.env.OPENAI_API_KEY || undefined }, { env: io.env, onWarning: (m) => io.stderr.write(`warning: ${safeText(m)}\n`) });
}

/** `demo: scores are meaningless` when `model` is a generated random-weight model, else undefined. */
export function demoLabel(model: string | null | undefined): string | undefined {
  return isDemoModel(model) ? DEMO_NOTICE : undefined;
}

/** Removes terminal control characters from untrusted model text (keeps newlines and tabs). */
export function safeText(s: string): string {
  return s
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b[\]PX^_][^\x07\x1b]*(\x07|\x1b\\)?/g, "")
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "");
}

export interface ProgressPrinter {
  /** The new state; `prefix` goes between the label and the counts (e.g. a stage name). */
  update(p: Progress, prefix?: string): void;
  /** Clears the line on a terminal. */
  done(): void;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

export type ProgressUnit = "count" | "bytes";

function amount(n: number, unit: ProgressUnit): string {
  return unit === "bytes" ? `${(n / 1048576).toFixed(1)} MB` : String(n);
}

/** One progress line: counts, rate and ETA (from the rate since the first update), and the message. */
export function progressText(label: string, p: Progress, elapsedSeconds: number, prefix = "", firstDone = 0, unit: ProgressUnit = "count"): string {
  const pct = p.total ? ` ${Math.floor((100 * Math.min(p.done, p.total)) / p.total)}%` : "";
  let counts: string;
  if (unit === "bytes") counts = `${pct} (${amount(p.done, unit)}${p.total ? ` of ${amount(p.total, unit)}` : ""})`;
  else if (!Number.isInteger(p.done))
    counts = pct; // a fraction (model loading): the percentage only
  else counts = p.total ? ` ${p.done}/${p.total}` : p.done ? ` ${p.done}` : "";
  const rate = elapsedSeconds > 0 ? (p.done - firstDone) / elapsedSeconds : 0;
  let tail = "";
  if (p.done > firstDone && elapsedSeconds >= 1) {
    tail += unit === "bytes" ? ` · ${amount(rate, unit)}/s` : ` · ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)}/s`;
    if (p.total && p.total > p.done && rate > 0) tail += ` · ETA ${duration((p.total - p.done) / rate)}`;
  }
  const msg = p.message ? ` — ${safeText(p.message).slice(0, 60)}` : "";
  return `${label}${prefix}${counts}${tail}${msg}`;
}

/**
 * Progress on stderr: a line redrawn in place on a terminal; elsewhere (logs of cluster jobs) a plain
 * line at most every `logEveryMs` (default 30 s), so logs stay readable.
 */
export function progressPrinter(
  io: Pick<CliIo, "stderr" | "isTTY">,
  label: string,
  logEveryMs = 30_000,
  options: { unit?: ProgressUnit; now?: () => number } = {},
): ProgressPrinter {
  const now = options.now ?? Date.now;
  let shown = false;
  let start: number | undefined;
  let firstDone = 0;
  let lastLog = now();
  let lastDraw = 0;
  return {
    update(p, prefix = "") {
      if (start === undefined) {
        start = now();
        firstDone = p.done;
      }
      const text = progressText(label, p, (now() - start) / 1000, prefix, firstDone, options.unit);
      if (!io.isTTY) {
        if (now() - lastLog >= logEveryMs) {
          lastLog = now();
          io.stderr.write(`${text}\n`);
        }
        return;
      }
      const finished = p.total !== undefined && p.done >= p.total;
      if (now() - lastDraw < 100 && !finished) return; // at most 10 redraws a second
      lastDraw = now();
      const width = Math.max(20, (process.stderr.columns || 100) - 1);
      io.stderr.write(`\r\x1b[K${text.slice(0, width)}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write("\r\x1b[K");
      shown = false;
    },
  };
}
