/**
 * `steplens progress <file>`: PAV progress of every step of a trace (or of every record of a
 * dataset): Q^μ before and after each step from M prover rollouts, the advantage A^μ, Q^π after each
 * step from M base-policy rollouts, the effective reward Q^π + α·A^μ and Wilson intervals
 * (src/progress/). `--policy` sets the base policy π (generator role), `--prover` the prover μ;
 * `--model` sets both (then π = μ and one set of rollouts serves both). The trace is evaluated once and each prefix forked on
 * the local engine. Correct means equal to the reference answer (--reference, front matter, a
 * dataset's gold field), else to the majority answer of all rollouts. Cancellable (Ctrl-C).
 */
import { DEFAULT_CONFIG } from "../../config";
import { StepLensError, throwIfAborted } from "../../core/errors";
import type { Trace } from "../../core/trace";
import type { Engine } from "../../engines/engine";
import { isEngineError } from "../../engines/errors";
import { detectFormat } from "../../formats/detect";
import { readTraces } from "../../formats/records";
import { estimateProgress, stepLosesProgress, type ProgressResult } from "../../progress/estimateProgress";
import { DEFAULT_CONFIDENCE } from "../../progress/intervals";
import { referenceAnswerOf } from "../../progress/referenceAnswer";
import type { CliCommand, CliIo } from "../command";
import {
  demoLabel,
  ENGINE_OPTIONS,
  engineConfig,
  engineFromConfig,
  INPUT_OPTIONS,
  inputReadOptions,
  progressPrinter,
  resolveModelFlag,
  safeText,
  UsageError,
} from "../flags";
import { defineOptions, jsonOption, limitOption, optionsHelp, parseOptions, seedOption } from "../options";
import { INPUT_FORMAT_OPTION, PROGRESS_OPTIONS, ROLLOUT_TOKENS_OPTION, TEMPERATURE_OPTION } from "../commonOptions";
import { recordIdentity } from "../recordIdentity";

const P = DEFAULT_CONFIG.progress;

const OPTIONS = defineOptions({
  ...PROGRESS_OPTIONS,
  policy: { type: "text", arg: "<path|preset|demo>", defaultText: "--model", help: "the base policy π" },
  prover: { type: "text", arg: "<path|preset|demo>", defaultText: "--model", help: "the prover μ" },
  reference: { type: "text", arg: "<answer>", help: "the correct final answer (applies to every trace of the file)" },
  "max-tokens": { ...ROLLOUT_TOKENS_OPTION, defaultText: undefined, default: P.maxTokens },
  temperature: { ...TEMPERATURE_OPTION, default: P.temperature, help: "rollout sampling temperature (both policies)" },
  seed: seedOption("rollout i of every prefix uses seed + i", 0),
  json: jsonOption(
    'one JSON object per trace (JSONL for a dataset, each with "id", "record"): {"steps": [{"index", "qBefore", "q", "advantage", "qBase", "effective", "interval": [lo, hi], "intervalBefore", "qBaseInterval"}], "answer": {"value", "source": "reference" | "majority", "share"}, "rollouts", "prefixTokensEvaluated", "traceTokens", "rolloutTokens" (the prover\'s), "samePolicy", "policy": {"prefixTokensEvaluated", "traceTokens", "rolloutTokens"} (the base policy\'s; 0 when samePolicy), "seconds"}; index is 0-based',
  ),
  format: INPUT_FORMAT_OPTION,
  limit: limitOption("records of a dataset"),
  ...INPUT_OPTIONS,
  ...ENGINE_OPTIONS,
});

const HELP = `Usage: steplens progress <file> [options]

Estimates each step's progress (PAV, "Rewarding Progress") under two policies: the prover μ and the
base policy π (the policy being searched or trained).
  Q^μ_h   the chance that the prover, continuing after step h, ends with the correct answer
          (M rollouts before step 1 and after every step): "qBefore" = Q^μ_{h-1}, "q" = Q^μ_h
  A^μ_h   = Q^μ_h − Q^μ_{h-1}, the step's progress ("advantage")
  Q^π_h   the same chance under the base policy, after step h ("qBase")
  r_h     = Q^π_h + α·A^μ_h, the effective reward ("effective")
with a ${Math.round(DEFAULT_CONFIDENCE * 100)}% Wilson interval on each Q. A step loses progress when the whole
${Math.round(DEFAULT_CONFIDENCE * 100)}% interval of its advantage is below 0. When π and μ are the same model (--model alone),
one set of rollouts serves both: Q^π = Q^μ and r_h = Q_h + α·A_h (the output says so).
Each model evaluates the trace once; every prefix is forked from it (local engine).

Correct means equal to the reference answer (--reference, a 'reference:' front-matter field, or a
dataset's gold field); without one, to the majority answer of all rollouts of the trace (its share
is reported).

${optionsHelp(OPTIONS)}

--model is the model of both roles unless --policy / --prover name another (local models; an
endpoint serves one model, so π = μ there). Neither is the PRM.
Exit codes: 0 done; 1 a file or model problem, or some records failed (reported on stderr);
2 usage error; 130 cancelled.

Examples:
  steplens progress examples/quadratic-sum-of-squares.trace.md --model ./qwen2.5-math-1.5b-instruct-q8_0.gguf --rollouts 16
  steplens progress trace.md --model demo --reference 4 --json
  steplens progress trace.md --policy ./policy.gguf --prover ./prover.gguf --alpha 0.3
  steplens progress prm800k.jsonl --model ./prover.gguf --limit 20 --json > progress.jsonl`;

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const pair = (x: [number, number]): [number, number] => [round(x[0], 6), round(x[1], 6)];

/** The `--json` object of one trace (the issue's contract; `id`/`record` first for datasets; `demo` only for generated models). */
export function progressJson(result: ProgressResult, trace?: Trace, dataset = false, demo?: string): Record<string, unknown> {
  return {
    ...(dataset && trace ? recordIdentity(trace) : {}),
    steps: result.steps.map((s) => ({
      index: s.index,
      qBefore: round(s.qBefore, 6),
      q: round(s.q, 6),
      advantage: round(s.advantage, 6),
      qBase: round(s.qBase, 6),
      effective: round(s.effective, 6),
      interval: pair(s.interval),
      intervalBefore: pair(s.intervalBefore),
      qBaseInterval: pair(s.qBaseInterval),
    })),
    answer: { value: result.answer.value, source: result.answer.source, share: round(result.answer.share, 6) },
    rollouts: result.rollouts,
    prefixTokensEvaluated: result.prefixTokensEvaluated,
    traceTokens: result.traceTokens,
    rolloutTokens: result.rolloutTokens,
    samePolicy: result.samePolicy,
    policy: {
      prefixTokensEvaluated: result.policy.prefixTokensEvaluated,
      traceTokens: result.policy.traceTokens,
      rolloutTokens: result.policy.rolloutTokens,
    },
    seconds: round(result.seconds, 4),
    ...(demo ? { demo } : {}),
  };
}

const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;

/** The readable table of one trace (steps 1-based, as editors show them). */
export function progressListing(result: ProgressResult, trace: Trace, dataset: boolean, demo?: string): string {
  const src = trace.source;
  const out: string[] = [];
  out.push(dataset ? `── ${src.file ?? ""} · record ${src.record ?? 0} · id ${src.id ?? src.record}` : `── ${src.file ?? ""}`);
  const level = `${Math.round(DEFAULT_CONFIDENCE * 100)}%`;
  const width = String(result.steps.length).length;
  out.push(
    `  ${"".padStart(width)}  ${"Qμ before → after".padEnd(18)} ${`${level} interval`.padEnd(14)} ${"Aμ".padStart(9)}  ${"Qπ after".padStart(9)}  ${"effective".padStart(9)}`,
  );
  for (const s of result.steps) {
    const step = trace.steps[s.index];
    const mark = stepLosesProgress(s, result.rollouts) ? "✗ loses progress" : "";
    const text = safeText((step?.text ?? "").replace(/\s+/g, " ").slice(0, 50));
    const interval = `[${s.interval[0].toFixed(2)}, ${s.interval[1].toFixed(2)}]`;
    out.push(
      `  ${String(s.index + 1).padStart(width)}. ${`${s.qBefore.toFixed(2)} → ${s.q.toFixed(2)}`.padEnd(18)} ${interval.padEnd(14)} ${signed(s.advantage).padStart(9)}  ${s.qBase.toFixed(2).padStart(9)}  ${s.effective.toFixed(2).padStart(9)}  ${mark.padEnd(16)} ${text}`,
    );
  }
  const a = result.answer;
  out.push(
    a.source === "reference"
      ? `Correct = the reference answer ${safeText(a.value ?? "")} (${(a.share * 100).toFixed(0)}% of all rollouts reach it).`
      : a.value === null
        ? "Correct = the majority answer, but no rollout gave an answer: every Q is 0."
        : `Correct = the majority answer of all rollouts, ${safeText(a.value)} (share ${(a.share * 100).toFixed(0)}%; no reference given).`,
  );
  out.push(
    result.samePolicy
      ? "π = μ: the base policy and the prover are the same model, so Qπ = Qμ and effective = Q + α·A (one set of rollouts)."
      : "π ≠ μ: Qμ and Aμ from the prover's rollouts, Qπ from the base policy's; effective = Qπ + α·Aμ.",
  );
  out.push(
    `M = ${result.rollouts} rollouts per prefix · prover: ${result.prefixTokensEvaluated} prefix tokens evaluated for a ${result.traceTokens}-token trace, ${result.rolloutTokens} rollout tokens` +
      (result.samePolicy
        ? ""
        : ` · base policy: ${result.policy.prefixTokensEvaluated} prefix tokens evaluated, ${result.policy.rolloutTokens} rollout tokens`) +
      ` · ${result.seconds.toFixed(2)} s`,
  );
  if (demo) out.push(`${demo} (a generated model with random weights)`);
  return out.join("\n") + "\n";
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError("missing <file>: give the trace or dataset file.");
  if (extra.length) throw new UsageError(`one file at a time (got ${positionals.length}: ${positionals.join(", ")}).`);
  const { rollouts, alpha, "max-tokens": maxTokens, temperature, seed, reference, limit, format } = values;
  // One sequence holds the trace, M more run its rollouts. --model sets both roles; --policy/--prover override.
  const { policy: policyFlag, prover: proverFlag } = values;
  const config = engineConfig(values, ["prover", "generator"], io.env, { samples: rollouts + 1, optional: Boolean(policyFlag || proverFlag) });
  if (config.engine.kind === "openai") {
    if (policyFlag || proverFlag) throw new UsageError("--policy and --prover are local models; an endpoint serves one model for both roles (π = μ).");
  } else {
    if (policyFlag) config.models.generator = resolveModelFlag(policyFlag, io.env);
    if (proverFlag) config.models.prover = resolveModelFlag(proverFlag, io.env);
    if (!config.models.prover) throw new UsageError("no prover: give --prover <path|preset|demo> or --model.");
    if (!config.models.generator) config.models.generator = config.models.prover;
  }
  const demo = config.engine.kind === "openai" ? demoLabel(config.openai.model) : (demoLabel(config.models.prover) ?? demoLabel(config.models.generator));

  const detected = await detectFormat(file, { format, signal: io.signal });
  const dataset = detected.format !== "text";
  const progress = progressPrinter(io, "progress");
  const engine: Engine = await engineFromConfig(config, io);
  let done = 0;
  let failed = 0;
  try {
    let taken = 0;
    for await (const record of readTraces(file, { detected, signal: io.signal, ...inputReadOptions(values, io, file) })) {
      throwIfAborted(io.signal);
      if (limit !== undefined && taken >= limit) break;
      taken++;
      if (!record.ok) {
        failed++;
        progress.done();
        io.stderr.write(`${record.error.format()}\n`);
        continue;
      }
      const trace = record.trace;
      const label = dataset ? `record ${trace.source.record ?? record.record}` : "";
      try {
        const result = await estimateProgress(
          engine,
          {
            problem: trace.problem,
            steps: trace.steps.map((s) => s.text),
            rollouts,
            alpha,
            reference: reference ?? referenceAnswerOf(trace),
            maxTokens,
            seed,
            temperature,
          },
          { signal: io.signal, onProgress: (p) => progress.update(p, label ? ` ${label}` : "") },
        );
        progress.done();
        done++;
        io.stdout.write(
          values.json
            ? JSON.stringify(progressJson(result, trace, dataset, demo)) + "\n"
            : (done > 1 ? "\n" : "") + progressListing(result, trace, dataset, demo),
        );
      } catch (e) {
        // A trace that does not fit is reported and skipped; anything else (model, engine, Ctrl-C) ends the run.
        if (!isEngineError(e, "context-too-small") && !(e instanceof StepLensError && e.details.code === "too-long")) throw e;
        failed++;
        progress.done();
        io.stderr.write(`${file}${dataset ? `:${record.line}` : ""}: ${(e as StepLensError).format()}\n`);
      }
    }
  } finally {
    progress.done();
    await engine.dispose();
  }
  if (dataset && done + failed === 0) io.stderr.write(`${file}: no records found.\n`);
  if (failed) io.stderr.write(`steplens progress: ${failed} of ${done + failed} trace${done + failed === 1 ? "" : "s"} failed (reported above).\n`);
  return failed ? 1 : 0;
}

export const progressCommand: CliCommand = {
  name: "progress",
  summary: "PAV progress of every step: Q before → after from prover rollouts, advantage, effective reward",
  help: HELP,
  run,
};
