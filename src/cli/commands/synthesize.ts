/**
 * `steplens synthesize`: SPARK's reference-free training data from problems alone (generator →
 * segmenter → K verifications → step labels), crash-safe, resumable and sharded; and
 * `steplens synthesize merge DIR… --out DIR` joining the shards. The pipeline is src/synthesis/;
 * this file only turns flags into its options and prints progress and the summary.
 */
import fs from "node:fs";
import path from "node:path";
import { CONFIG_BOUNDS, DEFAULT_CONFIG, type AggregateMode, type StepLensConfig } from "../../config";
import { StepLensError } from "../../core/errors";
import type { Engine, ModelRole } from "../../engines/engine";
import { DEMO_MODEL_SPEC } from "../../engines/local/demoModel";
import { DEMO_MODEL_PREFIX } from "../../engines/local/demoModelName";
import { EnginePool, type PoolMember } from "../../synthesis/enginePool";
import { GENERATOR_DEFAULTS, VERIFIER_DEFAULTS } from "../../synthesis/generatorPrompt";
import { parseShard } from "../../synthesis/ids";
import { mergeShards } from "../../synthesis/merge";
import { runRaySynthesis } from "../../synthesis/raySynthesis";
import { synthesize, type SynthesisProgress, type SynthesisSummary } from "../../synthesis/synthesize";
import { resolveTemplate } from "../../verify/templates";
import type { CliCommand, CliIo } from "../command";
import {
  DEMO_NOTICE,
  ENGINE_OPTIONS,
  engineConfig,
  engineFromConfig,
  enumFlag,
  INPUT_OPTIONS,
  inputReadOptions,
  intFlag,
  isDemoModel,
  numberFlag,
  parseFlags,
  progressPrinter,
  resolveModelFlag,
  safeText,
  textFlag,
  UsageError,
  type FlagValues,
} from "../flags";

declare const STEPLENS_VERSION: string | undefined;

/** Critique length of the demo verifier's constrained verdicts (as the editor's Verify Trace). */
const DEMO_CRITIQUE_CHARS = 80;

const HELP = `Usage: steplens synthesize --problems FILE --out DIR [options]
       steplens synthesize merge DIR… --out DIR

SPARK's stage I, reference-free: a generator model writes N step-numbered solutions per problem,
each is cut into steps by the editor's segmenter, a verifier model grades each one K times, and the
K verifications are aggregated into a label per step (all three rules recorded; --aggregate picks the
one that gives the labels). Output: DIR/manifest.json and append-only solutions.jsonl,
verifications.jsonl, labels.jsonl, failures.jsonl (layout and schemas: docs/synthesis.md).

Crash-safe: kill it at any moment and rerun with --resume; a torn last line is dropped and nothing is
written twice. A second process on the same folder is refused. Ctrl-C stops cleanly.

Input:
  --problems <file>        JSONL (or a JSON list) of problems, or any dataset StepLens reads
                           (ProcessBench, PRM800K, Math-Shepherd, JSONL): its problems are used
  --id-field <f>           field with the problem id (default id; else the record index)
  --problem-field <f>      field with the problem text (default question, problem, prompt)
  --reference-field <f>    reference-guided mode: the verifier sees "Expected Answer: …" and each
                           solution's final answer is graded against it
  --limit <n>              the first n problems (of this shard) only
  --shard <i/n>            this machine's share: the problems whose id hashes to i (0 ≤ i < n)

Generation and verification:
  --solutions <N>          solutions per problem (default ${GENERATOR_DEFAULTS.solutions}; SPARK: 20), temperature ${GENERATOR_DEFAULTS.temperature}, top_p ${GENERATOR_DEFAULTS.topP}
  --verifications <K>      verifications per solution (default ${VERIFIER_DEFAULTS.verifications}), temperature ${VERIFIER_DEFAULTS.temperature}, top_p ${VERIFIER_DEFAULTS.topP}
  --template <name|file>   verifier template: spark | processbench | thinkprm | a file (default ${DEFAULT_CONFIG.verify.promptTemplate})
  --aggregate <rule>       step | outcome | first-error: the rule that gives the labels (default ${DEFAULT_CONFIG.verify.aggregate})
  --tau <τ>                step rule: a step is incorrect when ≥ τ·K' verifications say so (default ${DEFAULT_CONFIG.verify.tau})
  --meta-critique          critique and merge the chosen verification (two passes, temperature 0)
  --constrained            JSON-schema-constrained verdicts, for small local models (on by itself
                           with the demo model, critiques of at most 80 characters)
  --max-critique-chars <n> constrained: longest critique per step (default 300; shortened further
                           so that the JSON always closes in what is left of the verifier's context)
  --seed <S>               base seed (default 0): sample s uses S+s, verification v of sample s S+s·K+v
  --max-tokens <n>         token limit of every generation (default ${GENERATOR_DEFAULTS.maxTokens}); with a local
                           verifier, solutions are kept short enough that the verification prompt
                           and its answer fit its --context-size, and a solution that still does not
                           fit is recorded once as unverifiable (it does not fail the run)
  --concurrency <n>        problems worked on at once, as one window: their generations first, then
                           their verifications (default 2 with a local model, 16 per endpoint)

Models (per role; --model / --endpoint set both roles):
  --generator-model <m>    local GGUF (path | hf:URI | preset | demo) for the generator
  --generator-endpoint <URL>   OpenAI-compatible endpoint; repeat the flag for several (load goes
                           to the one with the fewest requests outstanding; a failing one is retried,
                           then taken out of rotation while the others continue)
  --verifier-model <m>, --verifier-endpoint <URL>   the same for the verifier
  --model <m>              one local model for both roles
  --endpoint <URL>         endpoint(s) for both roles (repeatable)
  --api-model <name>       model name on the endpoints (default: the first one they list)
  --max-retries <n>        retries of a failed request on one endpoint (default ${DEFAULT_CONFIG.openai.maxRetries}, 1 with several)
  --generator-api-model <name>, --verifier-api-model <name>   per role
  --gpu, --threads, --context-size, --sequences   local engine (see steplens verify --help)
  The endpoint key comes from OPENAI_API_KEY.

Runs:
  --resume                 continue the run in DIR (same settings; models and endpoints may change)
  --retry-failed           resume, and redo the calls that failed (failures.jsonl)
  --strict                 skip a problem record with invalid UTF-8 (reported at file:line) instead
                           of a file:line warning and reading the bad bytes as U+FFFD
  --json                   print the summary as one JSON object
  --ray-address <URL> --shards <N>   N shards as N Ray jobs on a running cluster (its dashboard
                           address), merged into --out here; shard folders: <out>-shards/<i>-of-<N>,
                           on storage the workers share (docs/synthesis.md)
  -h, --help               show this help

Merge (shards of one run, each finished):
  steplens synthesize merge out-0 out-1 out-2 --out merged
  checks the folders share their settings, that every shard 0…n-1 is there once, and that no record
  id appears twice.

Exit codes: 0 every label written; 1 failures or skipped problem records (see stderr); 2 usage
error; 130 stopped (resume with --resume).

Examples:
  steplens synthesize --problems examples/problems.jsonl --out synth --model demo --solutions 2 --verifications 2
  steplens synthesize --problems math.jsonl --out synth-0 --shard 0/4 \\
      --generator-endpoint http://gpu1:8000/v1 --generator-endpoint http://gpu2:8000/v1 \\
      --verifier-endpoint http://gpu3:8000/v1 --solutions 20 --verifications 16
  steplens synthesize merge synth-0 synth-1 synth-2 synth-3 --out synth`;

const OPTIONS = {
  ...ENGINE_OPTIONS,
  ...INPUT_OPTIONS,
  endpoint: { type: "string", multiple: true },
  problems: { type: "string" },
  out: { type: "string" },
  "id-field": { type: "string" },
  "problem-field": { type: "string" },
  "reference-field": { type: "string" },
  limit: { type: "string" },
  shard: { type: "string" },
  "ray-address": { type: "string" },
  shards: { type: "string" },
  solutions: { type: "string" },
  verifications: { type: "string" },
  template: { type: "string" },
  aggregate: { type: "string" },
  tau: { type: "string" },
  "meta-critique": { type: "boolean" },
  constrained: { type: "boolean" },
  "max-critique-chars": { type: "string" },
  seed: { type: "string" },
  "max-tokens": { type: "string" },
  concurrency: { type: "string" },
  "generator-model": { type: "string" },
  "generator-endpoint": { type: "string", multiple: true },
  "generator-api-model": { type: "string" },
  "verifier-model": { type: "string" },
  "verifier-endpoint": { type: "string", multiple: true },
  "verifier-api-model": { type: "string" },
  resume: { type: "boolean" },
  "retry-failed": { type: "boolean" },
  "max-retries": { type: "string" },
  json: { type: "boolean" },
} as const;

function version(): string {
  return typeof STEPLENS_VERSION === "string" ? STEPLENS_VERSION : "0.0.0-dev";
}

/** A shell word as the user could paste it back. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command line's flags with --context-size doubled (from the given value or the default), for redoing unverifiable solutions. */
function withContextSize(argv: string[]): string {
  let current = DEFAULT_CONFIG.local.contextSize;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--context-size") {
      current = Number(argv[++i]) || current;
      continue;
    }
    if (a.startsWith("--context-size=")) {
      current = Number(a.slice("--context-size=".length)) || current;
      continue;
    }
    if (a !== "--resume" && a !== "--retry-failed") words.push(shellWord(a));
  }
  const raised = Math.min(CONFIG_BOUNDS["local.contextSize"]!.max, current * 2);
  return `${words.join(" ")} --context-size ${raised}`;
}

function list(values: FlagValues, name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  const all = (Array.isArray(v) ? v : [v]).map(String);
  for (const u of all) if (!u.trim()) throw new UsageError(`--${name} must not be empty.`);
  return all;
}

/** The model names an endpoint lists (GET /models): the default when --api-model is not given. */
async function firstServedModel(baseUrl: string, io: CliIo): Promise<string> {
  const url = `${baseUrl.replace(/\/+$/, "")}/models`;
  const key = io.env.OPENAI_API_KEY;
  let body: { data?: { id?: unknown }[] };
  try {
    const r = await fetch(url, { headers: key ? { Authorization: `Bearer ${key}` } : {}, signal: AbortSignal.any([io.signal, AbortSignal.timeout(15_000)]) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    body = (await r.json()) as typeof body;
  } catch (e) {
    throw new UsageError(`no --api-model given and ${url} could not be listed (${(e as Error).message}); give --api-model <name>.`);
  }
  const id = body.data?.find((m) => typeof m?.id === "string")?.id;
  if (typeof id !== "string") throw new UsageError(`no --api-model given and ${url} lists no model; give --api-model <name>.`);
  return id;
}

interface RoleSpec {
  role: ModelRole;
  model?: string;
  endpoints: string[];
  apiModel?: string;
}

function roleSpec(values: FlagValues, role: "generator" | "verifier"): RoleSpec {
  const apiModel = textFlag(values, `${role}-api-model`) ?? textFlag(values, "api-model");
  const ownModel = textFlag(values, `${role}-model`);
  const ownEndpoints = list(values, `${role}-endpoint`);
  if (ownModel && ownEndpoints.length) throw new UsageError(`give either --${role}-model or --${role}-endpoint, not both.`);
  if (ownModel) return { role, model: ownModel, endpoints: [] };
  if (ownEndpoints.length) return { role, endpoints: ownEndpoints, apiModel };
  const model = textFlag(values, "model");
  const endpoints = list(values, "endpoint");
  if (model && endpoints.length) throw new UsageError("give either --model or --endpoint, not both.");
  if (model) return { role, model, endpoints: [] };
  if (endpoints.length) return { role, endpoints, apiModel };
  throw new UsageError(`no ${role} model: give --${role}-model <path|hf:URI|preset|demo> or --${role}-endpoint <URL>, or --model / --endpoint for both roles.`);
}

interface RoleEngines {
  generator: Engine;
  verifier: Engine;
  models: { generator: string[]; verifier: string[] };
  demo: boolean;
  /** The verifier is the demo model (local or served). */
  verifierDemo: boolean;
  dispose(): Promise<void>;
}

async function buildEngines(values: FlagValues, io: CliIo, samples: number, onEvent: (m: string) => void): Promise<RoleEngines> {
  const maxRetries = intFlag(values, "max-retries", "openai.maxRetries");
  const specs = [roleSpec(values, "generator"), roleSpec(values, "verifier")];
  const built: Engine[] = [];
  const engines: Partial<Record<"generator" | "verifier", Engine>> = {};
  const models: { generator: string[]; verifier: string[] } = { generator: [], verifier: [] };
  let demo = false;
  try {
    // Local roles share one engine (the same model file loads once).
    const local = specs.filter((s) => s.model);
    if (local.length) {
      const config: StepLensConfig = engineConfig({ ...values, endpoint: undefined, "api-model": undefined, model: local[0].model }, [local[0].role], io.env, {
        samples,
      });
      for (const s of local.slice(1)) config.models[s.role] = resolveModelFlag(s.model!, io.env);
      const engine = await engineFromConfig(config, io);
      built.push(engine);
      for (const s of local) {
        const file = config.models[s.role];
        demo ||= isDemoModel(file);
        models[s.role as "generator" | "verifier"] = [file];
        engines[s.role as "generator" | "verifier"] = new EnginePool([{ name: file, engine }], { onEvent });
      }
    }
    // One engine per endpoint and model, shared by the roles: one limit on the requests in flight there.
    const byEndpoint = new Map<string, Engine>();
    for (const s of specs.filter((x) => x.endpoints.length)) {
      const members: PoolMember[] = [];
      for (const url of s.endpoints) {
        const apiModel = s.apiModel ?? (await firstServedModel(url, io));
        models[s.role as "generator" | "verifier"].push(`${apiModel}@${url}`);
        demo ||= isDemoModel(apiModel);
        const key = JSON.stringify([url, apiModel]);
        const shared = byEndpoint.get(key);
        if (shared) {
          members.push({ name: url, engine: shared });
          continue;
        }
        const c: StepLensConfig = structuredClone(DEFAULT_CONFIG);
        c.engine.kind = "openai";
        c.openai.baseUrl = url;
        c.openai.model = apiModel;
        c.openai.concurrency = Math.min(CONFIG_BOUNDS["openai.concurrency"]!.max, Math.max(c.openai.concurrency, samples));
        // With several endpoints the pool moves a failing request elsewhere: fewer retries on one endpoint.
        c.openai.maxRetries = maxRetries ?? (s.endpoints.length > 1 ? 1 : c.openai.maxRetries);
        const engine = await engineFromConfig(c, io);
        built.push(engine);
        byEndpoint.set(key, engine);
        members.push({ name: url, engine });
      }
      engines[s.role as "generator" | "verifier"] = new EnginePool(members, { onEvent });
    }
  } catch (e) {
    await Promise.allSettled(built.map((b) => b.dispose()));
    throw e;
  }
  return {
    generator: engines.generator!,
    verifier: engines.verifier!,
    models,
    demo,
    verifierDemo: models.verifier.some((m) => m === DEMO_MODEL_SPEC || path.basename(m.split("@")[0]).startsWith(DEMO_MODEL_PREFIX)),
    async dispose() {
      await Promise.allSettled(built.map((b) => b.dispose()));
    },
  };
}

function progressLine(p: SynthesisProgress): { done: number; total: number; message?: string; prefix: string } {
  return {
    prefix: ` · problems ${p.problems.done}/${p.problems.total} · solutions ${p.solutions.done}/${p.solutions.total} · verifications ${p.verifications.done}/${p.verifications.total} · labels`,
    done: p.labels.done,
    total: p.labels.total,
    message: p.failures ? `${p.failures} failed` : undefined,
  };
}

function summaryText(s: SynthesisSummary, demo: boolean): string {
  const c = s.counts;
  const lines = [
    `${s.status === "complete" ? "Synthesized" : "Stopped"}: ${c.problems} problems, ${c.solutions} solutions, ${c.verifications} verifications, ${c.labels} labels in ${safeText(s.outDir)}` +
      ` (this run: +${s.written.solutions} solutions, +${s.written.verifications} verifications, +${s.written.labels} labels, ${s.seconds.toFixed(1)} s)`,
  ];
  if (s.tornBytes) lines.push(`Recovered: a torn last line (${s.tornBytes} bytes) was cut off.`);
  if (c.skippedProblems) lines.push(`Skipped ${c.skippedProblems} unreadable problem record${c.skippedProblems > 1 ? "s" : ""} (listed above).`);
  if (s.generationLimit !== null)
    lines.push(`Solutions were limited to ${s.generationLimit} tokens so that each fits the verifier's context with its verification.`);
  if (s.unverifiable.total) {
    lines.push(`Not verifiable: ${s.unverifiable.total} solution${s.unverifiable.total > 1 ? "s" : ""} (recorded once each in failures.jsonl):`);
    for (const f of s.unverifiable.examples) lines.push(`  ${safeText(f.target)}: ${safeText(f.error).slice(0, 200)}`);
  }
  if (s.failures.total) {
    const b = s.failures.byStage;
    lines.push(`Failed: ${s.failures.total} (solutions ${b.solution}, verifications ${b.verification}, labels ${b.label}); recorded in failures.jsonl:`);
    for (const f of s.failures.examples) lines.push(`  ${safeText(f.target)}: ${safeText(f.error).slice(0, 200)}`);
  }
  if (demo) lines.push(`Labels: ${DEMO_NOTICE}`);
  return lines.join("\n");
}

async function runMerge(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { out: { type: "string" }, json: { type: "boolean" } });
  const out = textFlag(values, "out");
  if (!out) throw new UsageError("where to? steplens synthesize merge DIR… --out DIR");
  if (!positionals.length) throw new UsageError("which folders? steplens synthesize merge DIR… --out DIR");
  const r = await mergeShards({
    dirs: positionals,
    outDir: out,
    version: version(),
    signal: io.signal,
    command: `steplens synthesize merge ${argv.map(shellWord).join(" ")}`,
  });
  if (values.json) io.stdout.write(JSON.stringify(r) + "\n");
  else
    io.stdout.write(
      `Merged ${r.shards} shards into ${safeText(r.outDir)}: ${r.counts.problems} problems, ${r.counts.solutions} solutions, ${r.counts.verifications} verifications, ${r.counts.labels} labels\n`,
    );
  return 0;
}

export const synthesizeCommand: CliCommand = {
  name: "synthesize",
  summary: "SPARK's reference-free training data: N solutions, K verifications each, step labels (resumable, sharded)",
  help: HELP,
  async run(argv, io) {
    if (argv[0] === "merge") return runMerge(argv.slice(1), io);
    const { values, positionals } = parseFlags(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (the problems file goes after --problems).`);
    const problemsFile = textFlag(values, "problems");
    const outDir = textFlag(values, "out");
    if (!problemsFile) throw new UsageError("which problems? --problems <file>");
    if (!outDir) throw new UsageError("where to? --out <folder>");
    const solutions = intFlag(values, "solutions", { min: 1, max: 1024 }) ?? GENERATOR_DEFAULTS.solutions;
    const verifications = intFlag(values, "verifications", { min: 1, max: 256 }) ?? VERIFIER_DEFAULTS.verifications;
    const aggregate = enumFlag<AggregateMode>(values, "aggregate", "verify.aggregate") ?? DEFAULT_CONFIG.verify.aggregate;
    const tau = numberFlag(values, "tau", "verify.tau") ?? DEFAULT_CONFIG.verify.tau;
    const seed = intFlag(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? 0;
    const maxTokens = intFlag(values, "max-tokens", { min: 1, max: 1 << 20 }) ?? GENERATOR_DEFAULTS.maxTokens;
    const limit = intFlag(values, "limit", { min: 1 });
    const shardText = textFlag(values, "shard");
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    if (shard === null) throw new UsageError(`--shard must be i/n with 0 ≤ i < n (got '${shardText}').`);
    const rayAddress = textFlag(values, "ray-address");
    const shards = intFlag(values, "shards", { min: 1, max: 4096 });
    if ((rayAddress === undefined) !== (shards === undefined)) throw new UsageError("--ray-address and --shards go together (N shards as N Ray jobs).");
    if (rayAddress !== undefined && shard) throw new UsageError("--shards N runs every shard as a Ray job: leave out --shard.");
    if (rayAddress !== undefined)
      return runRaySynthesis(
        { address: rayAddress, shards: shards!, argv, problemsFile, outDir, cliPath: fs.realpathSync(process.argv[1] ?? ""), version: version() },
        { out: io.stdout, err: io.stderr, signal: io.signal, env: io.env },
      );
    const template = resolveTemplate(textFlag(values, "template") ?? DEFAULT_CONFIG.verify.promptTemplate);
    // Problems per window: enough to keep every endpoint's request limit busy (requests beyond it wait in the engine's queue).
    const endpointsCount = new Set([...list(values, "generator-endpoint"), ...list(values, "verifier-endpoint"), ...list(values, "endpoint")]).size;
    const concurrency = intFlag(values, "concurrency", { min: 1, max: 4096 }) ?? (endpointsCount ? 16 * endpointsCount : 2);

    const printer = progressPrinter(io, "synthesize");
    const warn = (m: string) => {
      printer.done();
      io.stderr.write(`warning: ${safeText(m)}\n`);
    };
    const critiqueChars = intFlag(values, "max-critique-chars", { min: 0, max: 10_000 });
    const engines = await buildEngines(values, io, Math.max(solutions, verifications), warn);
    // A random-weight demo verifier cannot follow a format: constrain it so the pipeline still labels end to end.
    const constrained =
      values.constrained || critiqueChars !== undefined
        ? { maxCritiqueChars: critiqueChars }
        : engines.verifierDemo
          ? { maxCritiqueChars: DEMO_CRITIQUE_CHARS }
          : false;
    const command = `steplens synthesize ${argv.map(shellWord).join(" ")}`;
    let summary: SynthesisSummary;
    try {
      summary = await synthesize({
        problemsFile,
        outDir,
        fields: { id: textFlag(values, "id-field"), problem: textFlag(values, "problem-field"), reference: textFlag(values, "reference-field") },
        solutions,
        verifications,
        aggregate,
        tau,
        metaCritique: Boolean(values["meta-critique"]),
        constrained,
        template,
        seed,
        maxTokens,
        limit,
        shard,
        resume: Boolean(values.resume),
        retryFailed: Boolean(values["retry-failed"]),
        concurrency,
        generator: engines.generator,
        verifier: engines.verifier,
        models: engines.models,
        generatorSampling: { temperature: GENERATOR_DEFAULTS.temperature, topP: GENERATOR_DEFAULTS.topP },
        verifierSampling: { temperature: VERIFIER_DEFAULTS.temperature, topP: VERIFIER_DEFAULTS.topP },
        version: version(),
        command,
        signal: io.signal,
        onProgress: (p) => {
          const l = progressLine(p);
          printer.update({ done: l.done, total: l.total, message: l.message }, l.prefix);
        },
        onBadProblem: (e: StepLensError) => {
          printer.done();
          io.stderr.write(`${safeText(e.format())}\n`);
        },
        onWarning: warn,
        strict: values.strict === true,
        onInputWarning: (w: StepLensError) => {
          printer.done();
          inputReadOptions(values, io, problemsFile).onWarning(w);
        },
      });
    } finally {
      printer.done();
      await engines.dispose();
    }
    if (values.json) io.stdout.write(JSON.stringify({ ...summary, demo: engines.demo ? DEMO_NOTICE : undefined }) + "\n");
    else io.stdout.write(summaryText(summary, engines.demo) + "\n");
    const again = argv
      .filter((a) => a !== "--resume" && a !== "--retry-failed")
      .map(shellWord)
      .join(" ");
    if (summary.status === "interrupted") {
      io.stderr.write(`Stopped. Nothing is lost; continue with:\n  steplens synthesize ${again} --resume\n`);
      return 130;
    }
    if (summary.failures.total) io.stderr.write(`Redo the failed calls with:\n  steplens synthesize ${again} --retry-failed\n`);
    else if (summary.unverifiable.total)
      io.stderr.write(`To verify them too, raise the verifier's context and redo them:\n  steplens synthesize ${withContextSize(argv)} --retry-failed\n`);
    return summary.failures.total || summary.counts.skippedProblems ? 1 : 0;
  },
};
