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
import { type CliCommand, type CliIo, UsageError } from "../command";
import {
  DEMO_NOTICE,
  ENGINE_OPTIONS,
  engineConfig,
  engineFromConfig,
  INPUT_OPTIONS,
  inputReadOptions,
  isDemoModel,
  progressPrinter,
  resolveModelFlag,
  safeText,
} from "../flags";
import { defineOptions, jsonOption, limitOption, optionsHelp, type OptionValues, parseOptions, seedOption } from "../options";
import { CONCURRENCY_OPTION, MAX_TOKENS_OPTION, PROBLEM_FIELD_OPTION, RAY_ADDRESS_OPTION, VERIFIER_OPTIONS } from "../commonOptions";

declare const STEPLENS_VERSION: string | undefined;

/** Critique length of the demo verifier's constrained verdicts (as the editor's Verify Trace). */
const DEMO_CRITIQUE_CHARS = 80;

const INPUT = "Input";
const GEN = "Generation and verification";
const MODELS = "Models (per role; --model / --endpoint set both roles; the endpoint key comes from OPENAI_API_KEY)";
const RUNS = "Runs";

const OPTIONS = defineOptions({
  problems: {
    type: "text",
    arg: "<file>",
    group: INPUT,
    help: "JSONL (or a JSON list) of problems, or any dataset StepLens reads (ProcessBench, PRM800K, Math-Shepherd, JSONL): its problems are used (required)",
  },
  "id-field": { type: "text", arg: "<f>", group: INPUT, defaultText: "id; else the record index", help: "field with the problem id" },
  "problem-field": { ...PROBLEM_FIELD_OPTION, arg: "<f>", group: INPUT },
  "reference-field": {
    type: "text",
    arg: "<f>",
    group: INPUT,
    help: 'reference-guided mode: the verifier sees "Expected Answer: …" and each solution\'s final answer is graded against it',
  },
  limit: limitOption("problems (of this shard)", INPUT),
  shard: { type: "text", arg: "<i/n>", group: INPUT, help: "this machine's share: the problems whose id hashes to i (0 ≤ i < n)" },
  strict: {
    ...INPUT_OPTIONS.strict,
    help: "skip a problem record with invalid UTF-8 (reported at file:line) instead of a file:line warning and reading the bad bytes as U+FFFD",
  },
  solutions: {
    type: "int",
    arg: "<N>",
    bounds: { min: 1, max: 1024 },
    group: GEN,
    default: GENERATOR_DEFAULTS.solutions,
    help: `solutions per problem (SPARK: 20), temperature ${GENERATOR_DEFAULTS.temperature}, top_p ${GENERATOR_DEFAULTS.topP}`,
  },
  verifications: {
    type: "int",
    arg: "<K>",
    bounds: { min: 1, max: 256 },
    group: GEN,
    default: VERIFIER_DEFAULTS.verifications,
    help: `verifications per solution, temperature ${VERIFIER_DEFAULTS.temperature}, top_p ${VERIFIER_DEFAULTS.topP}`,
  },
  template: { ...VERIFIER_OPTIONS.template, group: GEN, help: "verifier template: spark | processbench | thinkprm, or a template file" },
  aggregate: {
    ...VERIFIER_OPTIONS.aggregate,
    arg: "<rule>",
    group: GEN,
    help: "step | outcome | first-error: the rule that gives the labels; all three are recorded",
  },
  tau: {
    ...VERIFIER_OPTIONS.tau,
    group: GEN,
    help: "step rule: a step is incorrect when at least τ·K' verifications say so, K' = the verifications that parsed",
  },
  "meta-critique": { ...VERIFIER_OPTIONS["meta-critique"], group: GEN, help: "critique and merge the chosen verification (two passes, temperature 0)" },
  constrained: {
    ...VERIFIER_OPTIONS.constrained,
    group: GEN,
    help: `JSON-schema-constrained verdicts, for small local models (on by itself with the demo model, critiques of at most ${DEMO_CRITIQUE_CHARS} characters)`,
  },
  "max-critique-chars": {
    ...VERIFIER_OPTIONS["max-critique-chars"],
    group: GEN,
    help: "constrained: longest critique per step (shortened further so that the JSON always closes in what is left of the verifier's context); giving it turns --constrained on",
  },
  seed: { ...seedOption("base seed: sample s uses S+s, verification v of sample s S+s·K+v", 0, GEN), arg: "<S>" },
  "max-tokens": {
    ...MAX_TOKENS_OPTION,
    group: GEN,
    default: GENERATOR_DEFAULTS.maxTokens,
    help: "token limit of every generation; with a local verifier, solutions are kept short enough that the verification prompt and its answer fit its --context-size, and a solution that still does not fit is recorded once as unverifiable and does not fail the run",
  },
  concurrency: {
    ...CONCURRENCY_OPTION,
    group: GEN,
    defaultText: "2 with a local model, 16 per endpoint",
    help: "problems worked on at once, as one window: their generations first, then their verifications",
  },
  "generator-model": { type: "text", arg: "<m>", group: MODELS, help: "local GGUF (path | hf:URI | preset | demo) for the generator" },
  "generator-endpoint": {
    type: "text",
    arg: "<URL>",
    multiple: true,
    group: MODELS,
    help: "OpenAI-compatible endpoint for the generator; repeat the flag for several (load goes to the one with the fewest requests outstanding; a failing one is retried, then taken out of rotation while the others continue)",
  },
  "generator-api-model": { type: "text", arg: "<name>", group: MODELS, defaultText: "--api-model", help: "the generator's model name on its endpoints" },
  "verifier-model": { type: "text", arg: "<m>", group: MODELS, help: "local GGUF (path | hf:URI | preset | demo) for the verifier" },
  "verifier-endpoint": { type: "text", arg: "<URL>", multiple: true, group: MODELS, help: "endpoint(s) for the verifier, as --generator-endpoint" },
  "verifier-api-model": { type: "text", arg: "<name>", group: MODELS, defaultText: "--api-model", help: "the verifier's model name on its endpoints" },
  model: { ...ENGINE_OPTIONS.model, group: MODELS, help: "one local model for both roles" },
  endpoint: { ...ENGINE_OPTIONS.endpoint, multiple: true, group: MODELS, help: "endpoint(s) for both roles (repeatable)" },
  "api-model": { ...ENGINE_OPTIONS["api-model"], group: MODELS, defaultText: "the first one they list", help: "model name on the endpoints" },
  "max-retries": {
    type: "int",
    arg: "<n>",
    bounds: "openai.maxRetries",
    group: MODELS,
    defaultText: `${DEFAULT_CONFIG.openai.maxRetries}, 1 with several endpoints`,
    help: "retries of a failed request on one endpoint",
  },
  gpu: ENGINE_OPTIONS.gpu,
  threads: ENGINE_OPTIONS.threads,
  "context-size": ENGINE_OPTIONS["context-size"],
  sequences: ENGINE_OPTIONS.sequences,
  out: { type: "text", arg: "<dir>", group: RUNS, help: "the run's folder (required)" },
  resume: { type: "boolean", group: RUNS, help: "continue the run in DIR (same settings; models and endpoints may change)" },
  "retry-failed": { type: "boolean", group: RUNS, help: "resume, and redo the calls that failed (failures.jsonl)" },
  json: jsonOption("print the summary as one JSON object", RUNS),
  "ray-address": {
    ...RAY_ADDRESS_OPTION,
    group: RUNS,
    help: "with --shards N: N shards as N Ray jobs on a running cluster (its dashboard address), merged into --out here; shard folders: <out>-shards/<i>-of-<N>, on storage the workers share (docs/synthesis.md)",
  },
  shards: { type: "int", arg: "<N>", bounds: { min: 1, max: 4096 }, group: RUNS, help: "with --ray-address: the number of shards (Ray jobs)" },
});

type SynthesizeValues = OptionValues<typeof OPTIONS>;

/** `steplens synthesize merge DIR… --out DIR` (its help is the Merge paragraph of HELP). */
const MERGE_OPTIONS = defineOptions({
  out: { type: "text", arg: "<dir>", help: "the merged run's folder" },
  json: jsonOption("print the merge's summary as one JSON object"),
});

const HELP = `Usage: steplens synthesize --problems FILE --out DIR [options]
       steplens synthesize merge DIR… --out DIR

SPARK's stage I, reference-free: a generator model writes N step-numbered solutions per problem,
each is cut into steps by the editor's segmenter, a verifier model grades each one K times, and the
K verifications are aggregated into a label per step (all three rules recorded; --aggregate picks the
one that gives the labels). Output: DIR/manifest.json and append-only solutions.jsonl,
verifications.jsonl, labels.jsonl, failures.jsonl (layout and schemas: docs/synthesis.md).

Crash-safe: kill it at any moment and rerun with --resume; a torn last line is dropped and nothing is
written twice. A second process on the same folder is refused. Ctrl-C stops cleanly.

${optionsHelp(OPTIONS)}

Merge (shards of one run, each finished):
  steplens synthesize merge out-0 out-1 out-2 --out merged [--json]
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
  const args = argv[Symbol.iterator]();
  for (const a of args) {
    if (a === "--context-size") {
      current = Number(args.next().value) || current; // its value: the next word
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

function roleSpec(values: SynthesizeValues, role: "generator" | "verifier"): RoleSpec {
  const apiModel = values[`${role}-api-model`] ?? values["api-model"];
  const ownModel = values[`${role}-model`];
  const ownEndpoints = values[`${role}-endpoint`];
  if (ownModel && ownEndpoints.length) throw new UsageError(`give either --${role}-model or --${role}-endpoint, not both.`);
  if (ownModel) return { role, model: ownModel, endpoints: [] };
  if (ownEndpoints.length) return { role, endpoints: ownEndpoints, apiModel };
  const { model, endpoint: endpoints } = values;
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

/** The model part of a model spec "file@…" (the whole spec when it has no "@"). */
function specFile(spec: string): string {
  const at = spec.indexOf("@");
  return at < 0 ? spec : spec.slice(0, at);
}

async function buildEngines(values: SynthesizeValues, io: CliIo, samples: number, onEvent: (m: string) => void): Promise<RoleEngines> {
  const maxRetries = values["max-retries"];
  const specs = [roleSpec(values, "generator"), roleSpec(values, "verifier")];
  const built: Engine[] = [];
  const engines: Partial<Record<"generator" | "verifier", Engine>> = {};
  const models: { generator: string[]; verifier: string[] } = { generator: [], verifier: [] };
  let demo = false;
  try {
    // Local roles share one engine (the same model file loads once).
    const local = specs.filter((s) => s.model);
    const [firstLocal] = local;
    if (firstLocal) {
      const config: StepLensConfig = engineConfig(
        { ...values, endpoint: undefined, "api-model": undefined, model: firstLocal.model },
        [firstLocal.role],
        io.env,
        {
          samples,
        },
      );
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
    verifierDemo: models.verifier.some((m) => m === DEMO_MODEL_SPEC || path.basename(specFile(m)).startsWith(DEMO_MODEL_PREFIX)),
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
  const { values, positionals } = parseOptions(argv, MERGE_OPTIONS);
  const { out } = values;
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
    const { values, positionals, given } = parseOptions(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (the problems file goes after --problems).`);
    const { problems: problemsFile, out: outDir, solutions, verifications, tau, seed, limit, shards } = values;
    if (!problemsFile) throw new UsageError("which problems? --problems <file>");
    if (!outDir) throw new UsageError("where to? --out <folder>");
    const aggregate = values.aggregate as AggregateMode;
    const maxTokens = values["max-tokens"];
    const shardText = values.shard;
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    if (shard === null) throw new UsageError(`--shard must be i/n with 0 ≤ i < n (got '${shardText}').`);
    const rayAddress = values["ray-address"];
    if ((rayAddress === undefined) !== (shards === undefined)) throw new UsageError("--ray-address and --shards go together (N shards as N Ray jobs).");
    if (rayAddress !== undefined && shard) throw new UsageError("--shards N runs every shard as a Ray job: leave out --shard.");
    if (rayAddress !== undefined)
      return runRaySynthesis(
        { address: rayAddress, shards: shards!, argv, problemsFile, outDir, cliPath: fs.realpathSync(process.argv[1] ?? ""), version: version() },
        { out: io.stdout, err: io.stderr, signal: io.signal, env: io.env },
      );
    const template = resolveTemplate(values.template);
    // Problems per window: enough to keep every endpoint's request limit busy (requests beyond it wait in the engine's queue).
    const endpointsCount = new Set([...values["generator-endpoint"], ...values["verifier-endpoint"], ...values.endpoint]).size;
    const concurrency = values.concurrency ?? (endpointsCount ? 16 * endpointsCount : 2);

    const printer = progressPrinter(io, "synthesize");
    const warn = (m: string) => {
      printer.done();
      io.stderr.write(`warning: ${safeText(m)}\n`);
    };
    // Only a --max-critique-chars typed on the command line turns constrained verdicts on.
    const critiqueChars = given.has("max-critique-chars") ? values["max-critique-chars"] : undefined;
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
        fields: { id: values["id-field"], problem: values["problem-field"], reference: values["reference-field"] },
        solutions,
        verifications,
        aggregate,
        tau,
        metaCritique: values["meta-critique"],
        constrained,
        template,
        seed,
        maxTokens,
        limit,
        shard,
        resume: values.resume,
        retryFailed: values["retry-failed"],
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
        strict: values.strict,
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
