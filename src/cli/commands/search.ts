/**
 * `steplens search --problems FILE`: test-time search over a problem set: best-of-N reranking or
 * step-level beam search, ranked by a PRM, PAV progress, the verifier, or self-consistency; per
 * problem the chosen solution, its answer and score, whether it matches the reference, and the
 * tokens spent; resumable with --out (src/search/searchRunner.ts).
 */
import { DEFAULT_CONFIG, type StepLensConfig } from "../../config";
import type { Engine } from "../../engines/engine";
import { findPreset, presetNames, PRM_ADAPTERS } from "../../engines/presets";
import { DEFAULT_ALPHA, DEFAULT_ROLLOUTS } from "../../progress/estimateProgress";
import { majorityScorer, pavScorer, prmScorer, SCORER_NAMES, verifyScorer, type ScorerName, type SearchScorer } from "../../search/scorers";
import { DEFAULT_REFERENCE_FIELD, readSearchProblems } from "../../search/searchProblems";
import { runSearch, type SearchMode, type SearchRecord, type SearchSummary } from "../../search/searchRunner";
import { resolveTemplate } from "../../verify/templates";
import { type CliCommand, type CliIo, UsageError } from "../command";
import {
  demoLabel,
  ENGINE_HELP,
  ENGINE_OPTIONS,
  engineConfig,
  engineFromConfig,
  enumFlag,
  intFlag,
  numberFlag,
  parseFlags,
  progressPrinter,
  resolveModelFlag,
  safeText,
  textFlag,
  type FlagValues,
} from "../flags";

export const SEARCH_DEFAULTS = { n: 8, expand: 4, maxSteps: 12, temperature: 0.8, seed: 0, maxTokens: 1024, stepTokens: 256, samples: 4 } as const;

const HELP = `Usage: steplens search --problems <file> [options]

Test-time search: for every problem, best-of-N reranking (N full solutions from the generator,
ranked by the scorer) or, with --beam, step-level beam search (B beams, E expansions per beam per
step, pruned by the scorer's step score). Reports per problem the chosen solution, its answer, its
score, whether it matches the reference answer (when the problem has one) and the tokens spent
(evaluated + generated, generator and scorer), then the accuracy and tokens per problem.

Problems: JSONL (one object per line) or a JSON array; each with "problem" (or "question"), an
optional "id" (default: the record's index) and an optional reference answer (--reference-field).
The reference is only used to grade the chosen answer; the search never sees it.

Search:
  --scorer <name>          prm | pav | verify | majority (default prm). prm: the PRM's step scores
                           (solution: the lowest); pav: PAV progress with prover rollouts, reference-
                           free (step: effective reward Q^π + α·A^μ, π the generator, μ the prover;
                           solution: the lowest over its steps); verify: the
                           verifier's verdicts (K samples); majority: self-consistency (best-of-N only)
  --n <N>                  best-of-N: solutions per problem (default ${SEARCH_DEFAULTS.n})
  --beam <B>               beam search with B beams (the first step gets B·E expansions)
  --expand <E>             beam search: expansions per beam per step (default ${SEARCH_DEFAULTS.expand})
  --max-steps <S>          beam search: at most S steps per solution (default ${SEARCH_DEFAULTS.maxSteps})
  --temperature <t>        generator sampling temperature (default ${SEARCH_DEFAULTS.temperature})
  --seed <s>               base seed (default ${SEARCH_DEFAULTS.seed}); runs are reproducible
  --max-tokens <n>         best-of-N: tokens per solution (default ${SEARCH_DEFAULTS.maxTokens})
  --step-tokens <n>        beam search: tokens per step (default ${SEARCH_DEFAULTS.stepTokens}); a step ends at a blank line
  --rollouts <M>           pav: prover rollouts per prefix (default ${DEFAULT_ROLLOUTS})
  --alpha <α>              pav: α of the effective reward (default ${DEFAULT_ALPHA})
  --rollout-tokens <n>     pav: longest rollout in tokens (default ${DEFAULT_CONFIG.progress.maxTokens})
  --prover <path|preset>   pav: a separate prover μ (default: --model, then π = μ)
  --samples <K>            verify: verifications per candidate (default ${SEARCH_DEFAULTS.samples})
  --prm <adapter|preset>   prm: the adapter (${PRM_ADAPTERS.join(" | ")}; default: the preset's, else
                           ${DEFAULT_CONFIG.prm.adapter}; judge with --endpoint)
  --prm-model <path|preset>
                           prm: a separate PRM model (default: --model for every role)

Input and output:
  --reference-field <F>    the reference answer's field (default ${DEFAULT_REFERENCE_FIELD})
  --limit <n>              the first n problems only
  --out <file>             append every finished problem to this JSONL file; an interrupted run
                           given the same file continues without redoing finished problems
  --json                   one JSON object per problem on stdout (the --out record):
                           {"id", "mode", "scorer", "solution", "steps", "answer", "score", "reference",
                            "correct", "candidates", "generations", "tokens": {"evaluated", "generated",
                            "total", "generator", "scorer"}, "seconds", "settings"}; the summary on stderr

${ENGINE_HELP}
  --model is used for every role (generator, PRM, verifier, prover).

Exit codes: 0 every problem was searched; 1 a file or model problem, or some problems failed or
could not be read (reported on stderr; rerun with the same --out to retry them); 2 usage error;
130 cancelled.

Examples:
  steplens search --problems gsm8k.jsonl --model ./qwen2.5-math-1.5b-instruct-q8_0.gguf --prm-model math-shepherd-mistral-7b-prm --n 16
  steplens search --problems math.jsonl --model ./policy.gguf --scorer pav --beam 4 --expand 4 --out run.jsonl
  steplens search --problems examples/problems.jsonl --model demo --scorer majority --n 4 --json`;

const OPTIONS = {
  ...ENGINE_OPTIONS,
  problems: { type: "string" },
  scorer: { type: "string" },
  n: { type: "string" },
  beam: { type: "string" },
  expand: { type: "string" },
  "max-steps": { type: "string" },
  temperature: { type: "string" },
  seed: { type: "string" },
  "max-tokens": { type: "string" },
  "step-tokens": { type: "string" },
  rollouts: { type: "string" },
  "rollout-tokens": { type: "string" },
  alpha: { type: "string" },
  samples: { type: "string" },
  prm: { type: "string" },
  "prm-model": { type: "string" },
  prover: { type: "string" },
  "reference-field": { type: "string" },
  limit: { type: "string" },
  out: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

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
export function searchPlan(values: FlagValues): SearchPlan {
  const scorer = enumFlag(values, "scorer", SCORER_NAMES) ?? "prm";
  const beam = intFlag(values, "beam", { min: 1, max: 64 });
  const n = intFlag(values, "n", { min: 1, max: 256 });
  const expand = intFlag(values, "expand", { min: 1, max: 64 });
  const maxSteps = intFlag(values, "max-steps", { min: 1, max: 200 });
  const temperature = numberFlag(values, "temperature", { min: 0, max: 2 }) ?? SEARCH_DEFAULTS.temperature;
  const seed = intFlag(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? SEARCH_DEFAULTS.seed;
  const rollouts = intFlag(values, "rollouts", "progress.rollouts") ?? DEFAULT_ROLLOUTS;
  const rolloutTokens = intFlag(values, "rollout-tokens", "progress.maxTokens");
  const alpha = numberFlag(values, "alpha", "progress.alpha") ?? DEFAULT_ALPHA;
  const samples = intFlag(values, "samples", "verify.samples") ?? SEARCH_DEFAULTS.samples;
  let mode: SearchMode;
  if (beam !== undefined) {
    if (n !== undefined) throw new UsageError("--n is for best-of-N; beam search explores --beam × --expand candidates per step.");
    if (scorer === "majority")
      throw new UsageError("the majority scorer has no step score: it cannot guide beam search (drop --beam for best-of-N self-consistency).");
    if (values["max-tokens"] !== undefined) throw new UsageError("--max-tokens is for best-of-N; beam search takes --step-tokens.");
    mode = { kind: "beam", beams: beam, expansions: expand ?? SEARCH_DEFAULTS.expand, maxSteps: maxSteps ?? SEARCH_DEFAULTS.maxSteps };
  } else {
    if (expand !== undefined || maxSteps !== undefined) throw new UsageError("--expand and --max-steps go with --beam <B>.");
    if (values["step-tokens"] !== undefined) throw new UsageError("--step-tokens goes with --beam <B>.");
    mode = { kind: "best-of-n", n: n ?? SEARCH_DEFAULTS.n };
  }
  const maxTokens =
    mode.kind === "beam"
      ? (intFlag(values, "step-tokens", { min: 1, max: 32768 }) ?? SEARCH_DEFAULTS.stepTokens)
      : (intFlag(values, "max-tokens", { min: 1, max: 131072 }) ?? SEARCH_DEFAULTS.maxTokens);
  return { scorer, mode, generator: { temperature, seed, maxTokens }, rollouts, ...(rolloutTokens !== undefined ? { rolloutTokens } : {}), alpha, samples };
}

function searchConfig(values: FlagValues, plan: SearchPlan, env: NodeJS.ProcessEnv): StepLensConfig {
  const samples = plan.mode.kind === "beam" ? plan.mode.beams * plan.mode.expansions : plan.mode.n;
  const config = engineConfig(values, ["generator", "prm", "verifier", "prover"], env, { samples });
  const prmModel = textFlag(values, "prm-model");
  const prm = textFlag(values, "prm");
  if (config.engine.kind === "openai") {
    if (prmModel) throw new UsageError("--prm-model is for local models; an endpoint serves its model for every role.");
    if (textFlag(values, "prover")) throw new UsageError("--prover is for local models; an endpoint serves its model for every role.");
    config.prm.adapter = prm ?? "judge";
  } else {
    if (prmModel) config.models.prm = resolveModelFlag(prmModel, env);
    const prover = textFlag(values, "prover");
    if (prover) config.models.prover = resolveModelFlag(prover, env);
    const preset = findPreset(String(prmModel ?? values.model));
    config.prm.adapter = prm ?? preset?.adapter ?? (preset ? preset.name : DEFAULT_CONFIG.prm.adapter);
  }
  const adapter = config.prm.adapter;
  if (!(PRM_ADAPTERS as readonly string[]).includes(adapter) && !findPreset(adapter) && !(config.engine.kind === "openai" && adapter === "remote"))
    throw new UsageError(`unknown --prm '${adapter}': use ${PRM_ADAPTERS.join(", ")} or a preset (${presetNames().join(", ")}).`);
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
  const { values, positionals } = parseFlags(argv, OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (the problems go in --problems <file>).`);
  const file = textFlag(values, "problems");
  if (!file) throw new UsageError('no problems: give --problems <file> (JSONL or a JSON array of {"problem", "answer"}).');
  const plan = searchPlan(values);
  const config = searchConfig(values, plan, io.env);
  const referenceField = textFlag(values, "reference-field") ?? DEFAULT_REFERENCE_FIELD;
  const limit = intFlag(values, "limit", { min: 1, max: Number.MAX_SAFE_INTEGER });
  const out = textFlag(values, "out");
  const json = values.json === true;

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
