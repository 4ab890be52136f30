/**
 * `steplens search --problems FILE`: test-time search over a problem set: best-of-N reranking or
 * step-level beam search, ranked by a PRM, PAV progress, the verifier, or self-consistency; per
 * problem the chosen solution, its answer and score, whether it matches the reference, and the
 * tokens spent; resumable with --out (src/search/searchRunner.ts).
 */
import type { StepLensConfig } from "../../config";
import type { Engine } from "../../engines/engine";
import { majorityScorer, pavScorer, prmScorer, SCORER_NAMES, verifyScorer, type ScorerName, type SearchScorer } from "../../search/scorers";
import { DEFAULT_REFERENCE_FIELD, readSearchProblems } from "../../search/searchProblems";
import { runSearch, type SearchMode, type SearchRecord, type SearchSummary } from "../../search/searchRunner";
import { resolveTemplate } from "../../verify/templates";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { applyPrmAdapter, demoLabel, ENGINE_OPTIONS, engineConfig, engineFromConfig, progressPrinter, resolveModelFlag, safeText } from "../flags";
import { defineOptions, jsonOption, limitOption, optionsHelp, type OptionValues, parseOptions, seedOption } from "../options";
import { MAX_TOKENS_OPTION, PRM_OPTION, PROGRESS_OPTIONS, ROLLOUT_TOKENS_OPTION, SAMPLES_OPTION, TEMPERATURE_OPTION } from "../commonOptions";

export const SEARCH_DEFAULTS = { n: 8, expand: 4, maxSteps: 12, temperature: 0.8, seed: 0, maxTokens: 1024, stepTokens: 256, samples: 4 } as const;

const OPTIONS = defineOptions({
  problems: { type: "text", arg: "<file>", group: "Input and output", help: 'the problems: JSONL or a JSON array of {"problem", "answer"} (required)' },
  "reference-field": { type: "text", arg: "<F>", group: "Input and output", default: DEFAULT_REFERENCE_FIELD, help: "the reference answer's field" },
  limit: limitOption("problems", "Input and output"),
  out: {
    type: "text",
    arg: "<file>",
    group: "Input and output",
    help: "append every finished problem to this JSONL file; an interrupted run given the same file continues without redoing finished problems",
  },
  json: jsonOption(
    'one JSON object per problem on stdout (the --out record): {"id", "mode", "scorer", "solution", "steps", "answer", "score", "reference", "correct", "candidates", "generations", "tokens": {"evaluated", "generated", "total", "generator", "scorer"}, "seconds", "settings"}; the summary on stderr',
    "Input and output",
  ),
  scorer: {
    type: "enum",
    choices: SCORER_NAMES,
    group: "Search",
    default: "prm",
    help: "prm: the PRM's step scores (solution: the lowest); pav: PAV progress with prover rollouts, reference-free (step: effective reward Q^π + α·A^μ, π the generator, μ the prover; solution: the lowest over its steps); verify: the verifier's verdicts (K samples); majority: self-consistency (best-of-N only)",
  },
  n: {
    type: "int",
    arg: "<N>",
    bounds: { min: 1, max: 256 },
    group: "Search",
    defaultText: String(SEARCH_DEFAULTS.n),
    help: "best-of-N: solutions per problem",
  },
  beam: { type: "int", arg: "<B>", bounds: { min: 1, max: 64 }, group: "Search", help: "beam search with B beams (the first step gets B·E expansions)" },
  expand: {
    type: "int",
    arg: "<E>",
    bounds: { min: 1, max: 64 },
    group: "Search",
    defaultText: String(SEARCH_DEFAULTS.expand),
    help: "beam search: expansions per beam per step",
  },
  "max-steps": {
    type: "int",
    arg: "<S>",
    bounds: { min: 1, max: 200 },
    group: "Search",
    defaultText: String(SEARCH_DEFAULTS.maxSteps),
    help: "beam search: at most S steps per solution",
  },
  temperature: { ...TEMPERATURE_OPTION, group: "Search", default: SEARCH_DEFAULTS.temperature, help: "generator sampling temperature" },
  seed: seedOption("base seed; runs are reproducible", SEARCH_DEFAULTS.seed, "Search"),
  "max-tokens": { ...MAX_TOKENS_OPTION, group: "Search", defaultText: String(SEARCH_DEFAULTS.maxTokens), help: "best-of-N: tokens per solution" },
  "step-tokens": {
    ...ROLLOUT_TOKENS_OPTION,
    group: "Search",
    defaultText: String(SEARCH_DEFAULTS.stepTokens),
    help: "beam search: tokens per step; a step ends at a blank line",
  },
  rollouts: { ...PROGRESS_OPTIONS.rollouts, group: "Search", help: "pav: prover rollouts per prefix" },
  alpha: { ...PROGRESS_OPTIONS.alpha, group: "Search", help: "pav: α of the effective reward" },
  "rollout-tokens": { ...ROLLOUT_TOKENS_OPTION, group: "Search", help: "pav: longest rollout in tokens" },
  prover: { type: "text", arg: "<path|preset>", group: "Search", defaultText: "--model, then π = μ", help: "pav: a separate prover μ" },
  samples: { ...SAMPLES_OPTION, group: "Search", default: SEARCH_DEFAULTS.samples, help: "verify: verifications per candidate" },
  prm: { ...PRM_OPTION, group: "Search" },
  "prm-model": { type: "text", arg: "<path|preset>", group: "Search", defaultText: "--model for every role", help: "prm: a separate PRM model" },
  ...ENGINE_OPTIONS,
});

const HELP = `Usage: steplens search --problems <file> [options]

Test-time search: for every problem, best-of-N reranking (N full solutions from the generator,
ranked by the scorer) or, with --beam, step-level beam search (B beams, E expansions per beam per
step, pruned by the scorer's step score). Reports per problem the chosen solution, its answer, its
score, whether it matches the reference answer (when the problem has one) and the tokens spent
(evaluated + generated, generator and scorer), then the accuracy and tokens per problem.

Problems: JSONL (one object per line) or a JSON array; each with "problem" (or "question"), an
optional "id" (default: the record's index) and an optional reference answer (--reference-field).
The reference is only used to grade the chosen answer; the search never sees it.
--model is used for every role (generator, PRM, verifier, prover).

${optionsHelp(OPTIONS)}

Exit codes: 0 every problem was searched; 1 a file or model problem, or some problems failed or
could not be read (reported on stderr; rerun with the same --out to retry them); 2 usage error;
130 cancelled.

Examples:
  steplens search --problems gsm8k.jsonl --model ./qwen2.5-math-1.5b-instruct-q8_0.gguf --prm-model math-shepherd-mistral-7b-prm --n 16
  steplens search --problems math.jsonl --model ./policy.gguf --scorer pav --beam 4 --expand 4 --out run.jsonl
  steplens search --problems examples/problems.jsonl --model demo --scorer majority --n 4 --json`;

type SearchValues = OptionValues<typeof OPTIONS>;

export interface SearchPlan {
  scorer: ScorerName;
  mode: SearchMode;
  generator: { temperature: number; seed: number; maxTokens: number };
  rollouts: number;
  /** pav: longest rollout in tokens (undefined: steplens.progress.maxTokens). */
  rolloutTokens?: number;
  alpha: number;
  samples: number;
}

/** The search the flags describe (no engine needed); usage errors for contradictory flags. */
export function searchPlan(values: SearchValues, given: ReadonlySet<string>): SearchPlan {
  const { scorer, beam, n, expand, temperature, seed, rollouts, alpha, samples } = values;
  const maxSteps = values["max-steps"];
  const rolloutTokens = values["rollout-tokens"];
  let mode: SearchMode;
  if (beam !== undefined) {
    if (n !== undefined) throw new UsageError("--n is for best-of-N; beam search explores --beam × --expand candidates per step.");
    if (scorer === "majority")
      throw new UsageError("the majority scorer has no step score: it cannot guide beam search (drop --beam for best-of-N self-consistency).");
    if (given.has("max-tokens")) throw new UsageError("--max-tokens is for best-of-N; beam search takes --step-tokens.");
    mode = { kind: "beam", beams: beam, expansions: expand ?? SEARCH_DEFAULTS.expand, maxSteps: maxSteps ?? SEARCH_DEFAULTS.maxSteps };
  } else {
    if (expand !== undefined || maxSteps !== undefined) throw new UsageError("--expand and --max-steps go with --beam <B>.");
    if (given.has("step-tokens")) throw new UsageError("--step-tokens goes with --beam <B>.");
    mode = { kind: "best-of-n", n: n ?? SEARCH_DEFAULTS.n };
  }
  const maxTokens = mode.kind === "beam" ? (values["step-tokens"] ?? SEARCH_DEFAULTS.stepTokens) : (values["max-tokens"] ?? SEARCH_DEFAULTS.maxTokens);
  return { scorer, mode, generator: { temperature, seed, maxTokens }, rollouts, ...(rolloutTokens !== undefined ? { rolloutTokens } : {}), alpha, samples };
}

function searchConfig(values: SearchValues, plan: SearchPlan, env: NodeJS.ProcessEnv): StepLensConfig {
  const samples = plan.mode.kind === "beam" ? plan.mode.beams * plan.mode.expansions : plan.mode.n;
  const config = engineConfig(values, ["generator", "prm", "verifier", "prover"], env, { samples });
  const { "prm-model": prmModel, prm, prover } = values;
  if (config.engine.kind === "openai") {
    if (prmModel) throw new UsageError("--prm-model is for local models; an endpoint serves its model for every role.");
    if (prover) throw new UsageError("--prover is for local models; an endpoint serves its model for every role.");
  } else {
    if (prmModel) config.models.prm = resolveModelFlag(prmModel, env);
    if (prover) config.models.prover = resolveModelFlag(prover, env);
  }
  applyPrmAdapter(config, prm, prmModel ?? values.model);
  return config;
}

function makeScorer(plan: SearchPlan, engine: Engine, config: StepLensConfig): SearchScorer {
  switch (plan.scorer) {
    case "prm":
      return prmScorer(engine);
    case "pav":
      return pavScorer(engine, {
        rollouts: plan.rollouts,
        alpha: plan.alpha,
        seed: plan.generator.seed,
        maxTokens: plan.rolloutTokens ?? config.progress.maxTokens,
        temperature: config.progress.temperature,
      });
    case "verify":
      return verifyScorer(engine, {
        template: resolveTemplate(config.verify.promptTemplate),
        samples: plan.samples,
        temperature: config.verify.temperature,
        topP: config.verify.topP,
        seed: plan.generator.seed,
        maxTokens: config.verify.maxTokens,
      });
    case "majority":
      return majorityScorer();
  }
}

const fmt = (x: number | null, digits = 3) => (x === null ? "—" : x.toFixed(digits));

function recordLine(r: SearchRecord, demo: string | undefined): string {
  const verdict = r.correct === null ? "no reference" : r.correct ? "correct" : "wrong";
  const head = `${safeText(r.id)}: answer ${r.answer === null ? "(none)" : safeText(r.answer)} · ${verdict} · score ${fmt(r.score)}${demo ? ` (${demo})` : ""} · ${r.candidates} candidates · ${r.tokens.total} tokens (${r.tokens.evaluated} evaluated + ${r.tokens.generated} generated) · ${r.seconds.toFixed(1)} s`;
  const body = r.steps.map((s, i) => `    ${i + 1}. ${safeText(s).replace(/\n/g, "\n       ")}`).join("\n");
  return body ? `${head}\n${body}\n` : `${head}\n`;
}

export function summaryText(s: SearchSummary, mode: SearchMode, scorer: string): string {
  const what = mode.kind === "beam" ? `beam search (B=${mode.beams}, E=${mode.expansions}, S=${mode.maxSteps})` : `best-of-${mode.n}`;
  const acc = s.accuracy === null ? "no references" : `accuracy ${(100 * s.accuracy).toFixed(1)}% (${s.correct}/${s.withReference})`;
  const tokens =
    s.tokensPerProblem === null
      ? ""
      : ` · ${Math.round(s.tokensPerProblem)} tokens/problem (${Math.round(s.evaluatedPerProblem!)} evaluated + ${Math.round(s.generatedPerProblem!)} generated)`;
  const resumed = s.resumed ? ` (${s.resumed} resumed)` : "";
  const failed = s.failures.length ? ` · ${s.failures.length} failed` : "";
  return `${what}, ${scorer}: ${s.done}/${s.problems} problems${resumed} · ${acc}${tokens}${failed}`;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, given } = parseOptions(argv, OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (the problems go in --problems <file>).`);
  const file = values.problems;
  if (!file) throw new UsageError('no problems: give --problems <file> (JSONL or a JSON array of {"problem", "answer"}).');
  const plan = searchPlan(values, given);
  const config = searchConfig(values, plan, io.env);
  const { "reference-field": referenceField, limit, out, json } = values;

  let bad = 0;
  const problems = await readSearchProblems(file, {
    referenceField,
    limit,
    signal: io.signal,
    onBad: (b) => {
      bad++;
      io.stderr.write(`${safeText(file)}:${b.line}: ${safeText(b.message)}; skipped\n`);
    },
  });
  if (!problems.length) {
    io.stderr.write(`steplens search: no problems to search in ${safeText(file)}\n`);
    return 1;
  }

  let engine: Engine | null = null;
  try {
    const models =
      config.engine.kind === "openai"
        ? { generator: config.openai.model, prm: config.openai.prmModel || config.openai.model, verifier: config.openai.model, prover: config.openai.model }
        : config.models;
    const demo = demoLabel(models.generator) ?? demoLabel(models.prm);
    const settings = {
      mode: plan.mode,
      scorer: plan.scorer,
      generator: plan.generator,
      ...(plan.scorer === "pav"
        ? { rollouts: plan.rollouts, alpha: plan.alpha, ...(plan.rolloutTokens !== undefined ? { rolloutTokens: plan.rolloutTokens } : {}) }
        : {}),
      ...(plan.scorer === "verify" ? { samples: plan.samples } : {}),
      ...(plan.scorer === "prm" ? { adapter: config.prm.adapter } : {}),
      models: {
        generator: models.generator || null,
        ...(plan.scorer === "majority" ? {} : { scorer: models[plan.scorer === "prm" ? "prm" : plan.scorer === "pav" ? "prover" : "verifier"] || null }),
      },
      referenceField,
    };
    const progress = progressPrinter(io, "search");
    const { summary } = await runSearch({
      // The engine is made only when a problem is left (a finished --out file loads no model).
      models: async () => {
        engine = await engineFromConfig(config, io);
        return { engine, scorer: makeScorer(plan, engine, config) };
      },
      problems,
      mode: plan.mode,
      generator: plan.generator,
      settings,
      out,
      signal: io.signal,
      onProgress: (p) => progress.update(p),
      onRecord: (r) => {
        progress.done();
        if (json) io.stdout.write(JSON.stringify(demo ? { ...r, demo } : r) + "\n");
        else io.stdout.write(recordLine(r, demo));
      },
    });
    progress.done();
    for (const f of summary.failures)
      io.stderr.write(`${safeText(file)}: problem ${safeText(f.id)}: ${safeText(f.message)} (retried on the next run with the same --out)\n`);
    if (summary.tornBytes) io.stderr.write(`${safeText(out ?? "")}: a torn last line (${summary.tornBytes} bytes) was cut off\n`);
    const text = summaryText(summary, plan.mode, plan.scorer) + (demo ? ` · ${demo}` : "");
    (json ? io.stderr : io.stdout).write(text + "\n");
    return bad || summary.failures.length ? 1 : 0;
  } finally {
    await (engine as Engine | null)?.dispose();
  }
}

export const searchCommand: CliCommand = {
  name: "search",
  summary: "best-of-N and step-level beam search scored by a PRM, PAV progress, the verifier or self-consistency",
  help: HELP,
  run,
};
