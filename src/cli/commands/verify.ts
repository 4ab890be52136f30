/**
 * `steplens verify <file>`: K verifications of each trace (SPARK's self-consistency), aggregated per
 * step, with the verdict counts, the aggregate verdict, the chosen critique and the first error;
 * optional meta-critique and reference-guided mode. One JSON object for a text trace, JSONL for a
 * dataset. Engines come from the flags (local model or OpenAI-compatible endpoint).
 */
import { DEFAULT_CONFIG, type AggregateMode, type StepLensConfig } from "../../config";
import { CancelledError, errorMessage } from "../../core/errors";
import type { Trace } from "../../core/trace";
import type { Engine, ModelRole } from "../../engines/engine";
import { detectFormat } from "../../formats/detect";
import { readTraces } from "../../formats/records";
import { resolveTemplate } from "../../verify/templates";
import { verifyTrace, type VerifyOptions, type VerifyResult } from "../../verify/verifyPipeline";
import type { FinalVerdictRule } from "../../verify/verdictParser";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { demoLabel, ENGINE_OPTIONS, engineConfig, engineFromConfig, INPUT_OPTIONS, inputReadOptions, progressPrinter, safeText } from "../flags";
import { defineOptions, jsonOption, limitOption, optionsHelp, type OptionValues, parseOptions, seedOption } from "../options";
import { INPUT_FORMAT_OPTION, MAX_TOKENS_OPTION, SAMPLES_OPTION, TEMPERATURE_OPTION, VERIFIER_OPTIONS } from "../commonOptions";

const D = DEFAULT_CONFIG.verify;
import { recordIdentity } from "../recordIdentity";

/** Builds the engine for a command from the config its flags describe; tests inject their own. */
export type EngineFactory = (config: StepLensConfig, io: CliIo, role: ModelRole) => Promise<Engine>;

/** The verifier's flags, which `steplens eval` takes too. */
export const VERIFY_FLAG_OPTIONS = defineOptions({
  samples: { ...SAMPLES_OPTION, help: "verifications per trace" },
  ...VERIFIER_OPTIONS,
  reference: {
    type: "text",
    arg: "<answer>",
    help: "reference-guided mode: the template's reference-guided prompt, with \"Expected Answer: <answer>\" (SPARK's ceiling baseline)",
  },
  temperature: { ...TEMPERATURE_OPTION, default: D.temperature, help: "sampling temperature of the K verifications" },
  "top-p": { type: "number", arg: "<p>", bounds: "verify.topP", default: D.topP, help: "nucleus sampling of the K verifications" },
  "final-verdict": {
    type: "enum",
    choices: "verify.finalVerdictRule",
    default: D.finalVerdictRule,
    help: "how the final Yes/No is read (steplens | spark: the first of SPARK's patterns that matches)",
  },
  seed: seedOption("base seed (verification i uses seed + i)"),
  "max-tokens": { ...MAX_TOKENS_OPTION, default: D.maxTokens, help: "token limit per verification (constrained: what the schema needs)" },
});

/** The verifier flags' values. */
export type VerifyFlags = OptionValues<typeof VERIFY_FLAG_OPTIONS>;

const OPTIONS = defineOptions({
  ...VERIFY_FLAG_OPTIONS,
  format: INPUT_FORMAT_OPTION,
  limit: limitOption("records of a dataset"),
  raw: { type: "boolean", help: "--json: include each verification's full text" },
  json: jsonOption("one JSON object (text trace) or JSONL (dataset)"),
  ...INPUT_OPTIONS,
  ...ENGINE_OPTIONS,
});

const HELP = `Usage: steplens verify <file> [options]

Verifies each step of a trace K times with a verifier model and aggregates the verdicts (SPARK's
self-consistency): for every step, how many of the K verifications flagged it, the aggregate verdict
and the critique of the verification that best agrees with the aggregate; then the first error and
the outcome. For a dataset, every record (JSONL output with --json).

${optionsHelp(OPTIONS)}

JSON output, per trace:
  {"id", "record", "steps": [{"index", "verdict", "incorrect", "correct", "notGiven", "critique"}],
   "firstError", "outcome", "source", "aggregate": {"mode", "tau", "samples", "valid", "malformed",
   "malformedReasons", "recovered", "stepFirstError", "outcomeVotes", "firstErrorVotes", "explanation"},
   "verifications": [{"sample", "ok", "reason", "firstError", "finalVerdict", "warnings"}],
   "metaCritique", "label", "template", "referenceGuided", "tokens", "seconds"}
  (+ "demo": "demo: scores are meaningless" with a generated random-weight model)
  "index" and "firstError" are 0-based; firstError -1 means no wrong step, null undetermined.
  "verdict" is correct | incorrect | not-given. id/record/label only for dataset records.

Ties and missing verdicts: malformed verifications are excluded and counted; "not given" counts
neither way; a step tie at τ·K' is incorrect; an outcome tie is No; a first-error tie goes to the
earliest step (-1 loses ties).

Exit codes: 0 every trace verified; 1 some could not be, or none of a trace's verifications parsed
(each reported on stderr; the others still come out); 2 usage error; 130 cancelled.

Examples:
  steplens verify examples/quadratic-sum-of-squares.trace.md --endpoint http://127.0.0.1:8080/v1 --api-model qwen3
  steplens verify gsm8k.json --limit 20 --samples 4 --json --model qwen3-4b > verdicts.jsonl`;

function stepsJson(r: VerifyResult) {
  return r.final.steps.map((s) => {
    const a = r.aggregate.steps[s.index];
    if (a === undefined) throw new Error(`verify: the aggregate has no step ${s.index} (${r.aggregate.steps.length} steps)`);
    return { index: s.index, verdict: s.verdict, incorrect: a.incorrect, correct: a.correct, notGiven: a.notGiven, critique: s.critique };
  });
}

export function verifyResultJson(r: VerifyResult, trace: Trace | null, dataset: boolean, raw: boolean): Record<string, unknown> {
  const a = r.aggregate;
  const head: Record<string, unknown> = dataset && trace ? recordIdentity(trace) : {};
  return {
    ...head,
    steps: stepsJson(r),
    firstError: r.final.firstError,
    outcome: r.final.outcome,
    source: r.final.source,
    summary: r.final.summary,
    aggregate: {
      mode: a.mode,
      tau: a.tau,
      samples: a.k,
      valid: a.valid,
      malformed: a.malformed,
      malformedReasons: a.malformedReasons,
      recovered: a.recovered,
      stepFirstError: a.stepFirstError,
      outcomeVotes: { yes: a.outcome.yes, no: a.outcome.no, missing: a.outcome.missing },
      firstErrorVotes: a.firstErrorVote.counts,
      explanation: a.explanation,
    },
    verifications: r.samples.map((s) => ({
      sample: s.sample,
      ok: s.parse.ok,
      reason: s.parse.ok ? null : s.parse.reason,
      firstError: s.parse.ok ? s.parse.firstError : null,
      finalVerdict: s.parse.ok ? s.parse.finalVerdict : null,
      warnings: s.parse.warnings,
      finishReason: s.finishReason,
      ...(raw ? { text: s.text } : {}),
    })),
    metaCritique: r.metaCritique
      ? {
          target: r.metaCritique.target,
          sample: r.metaCritique.sample,
          ok: r.metaCritique.parse.ok,
          reason: r.metaCritique.parse.ok ? null : r.metaCritique.parse.reason,
          critique: r.metaCritique.critique,
          merged: r.metaCritique.merged,
        }
      : null,
    label: dataset && trace?.labels ? trace.labels.firstError : null,
    template: r.template,
    referenceGuided: r.referenceGuided,
    tokens: r.tokens,
    seconds: r.seconds,
  };
}

const MARK = { correct: "✓ correct  ", incorrect: "✗ incorrect", "not-given": "? no verdict" } as const;

function indentText(s: string, pad: string, max = 600): string {
  const t = safeText(s).trim();
  const cut = t.length > max ? t.slice(0, max).trimEnd() + " …" : t;
  return cut
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => pad + l)
    .join("\n");
}

function stepName(i: number | null): string {
  return i === null ? "undetermined" : i === -1 ? "none (every step judged correct)" : `step ${i + 1}`;
}

export function verifyListing(r: VerifyResult, trace: Trace | null, dataset: boolean): string {
  const a = r.aggregate;
  const out: string[] = [];
  if (dataset && trace) out.push(`── ${safeText(trace.source.id ?? String(trace.source.record))} (record ${trace.source.record ?? 0}) ──`);
  out.push(
    `Verified ${a.k}× with ${r.template}${r.referenceGuided ? " (reference-guided)" : ""}; aggregate ${a.mode}, τ ${a.tau}: ${a.valid} parsed${a.recovered ? ` (${a.recovered} recovered from an unclosed <think>)` : ""}, ${a.malformed} malformed`,
  );
  for (const s of stepsJson(r)) {
    out.push(
      `  Step ${String(s.index + 1).padEnd(3)} ${MARK[s.verdict]}  flagged by ${s.incorrect}/${a.valid}${s.correct ? `, correct for ${s.correct}` : ""}${s.notGiven ? `, ${s.notGiven} silent` : ""}`,
    );
    if (s.critique) out.push(indentText(s.critique, "           "));
  }
  const votes = Object.entries(a.firstErrorVote.counts)
    .sort(([x], [y]) => Number(x) - Number(y))
    .map(([k, c]) => `${k === "-1" ? "none" : `step ${Number(k) + 1}`} ×${c}`)
    .join(", ");
  out.push(
    `First error: ${stepName(r.final.firstError)}${votes ? `   (first-error votes: ${votes}${a.firstErrorVote.missing ? `, undetermined ×${a.firstErrorVote.missing}` : ""})` : ""}`,
  );
  const oc = r.final.outcome === null ? "undetermined" : r.final.outcome === "yes" ? "Yes" : "No";
  out.push(`Answer correct: ${oc}   (Yes ${a.outcome.yes}, No ${a.outcome.no}${a.outcome.missing ? `, none ${a.outcome.missing}` : ""})`);
  if (r.final.source === "meta-critique") out.push(`Verdicts from the meta-critique of verification #${r.metaCritique!.sample + 1}`);
  else if (a.explanation !== null)
    out.push(`Critiques from verification #${a.explanation + 1} (agrees on ${a.explanationAgreement!.score} of ${a.explanationAgreement!.max} points)`);
  if (r.metaCritique && !r.metaCritique.parse.ok) out.push(`Meta-critique output was malformed (${r.metaCritique.parse.reason}); the aggregate is shown`);
  if (r.final.summary && r.format === "processbench") out.push("Critic's review:\n" + indentText(r.final.summary, "  "));
  if (a.malformed) out.push(`Malformed verifications: ${a.malformedReasons.map((x) => safeText(x)).join("; ")}`);
  if (dataset && trace?.labels)
    out.push(`Label: ${trace.labels.firstError === -1 ? "no wrong step" : `first wrong step is step ${trace.labels.firstError + 1}`}`);
  return out.join("\n");
}

/** VerifyOptions from the flags (defaults from the settings' defaults). */
export function verifyOptionsFromFlags(v: VerifyFlags, cwd = process.cwd()): VerifyOptions {
  const chars = v["max-critique-chars"];
  const constrained = v.constrained || D.constrained ? (chars !== undefined ? { maxCritiqueChars: chars } : true) : false;
  return {
    template: resolveTemplate(v.template, cwd),
    samples: v.samples,
    tau: v.tau,
    aggregate: v.aggregate as AggregateMode,
    temperature: v.temperature,
    topP: v["top-p"],
    finalVerdictRule: v["final-verdict"] as FinalVerdictRule,
    seed: v.seed,
    maxTokens: v["max-tokens"],
    constrained,
    metaCritique: v["meta-critique"] || D.metaCritique,
    reference: v.reference ?? null,
  };
}

/** The command, with the engine factory injectable (tests pass one that builds the test model's engine). */
export function createVerifyCommand(makeEngine: EngineFactory = engineFromConfig): CliCommand {
  return {
    name: "verify",
    summary: "verify each step K times with a verifier model and aggregate the verdicts",
    help: HELP,
    async run(argv, io) {
      const { values: v, positionals } = parseOptions(argv, OPTIONS);
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length)
        throw new UsageError(positionals.length ? `one file at a time (got ${positionals.length})` : "which file? steplens verify <file>");
      const { format, limit } = v;
      const opts = verifyOptionsFromFlags(v);
      const config = engineConfig(v, ["verifier"], io.env, { samples: opts.samples });
      const detected = await detectFormat(file, { format, signal: io.signal });
      const dataset = detected.format !== "text";
      const engine = await makeEngine(config, io, "verifier");
      const demo = demoLabel(config.models.verifier);
      const progress = progressPrinter(io, "verifying");
      let failed = 0;
      let unparsed = 0;
      let n = 0;
      try {
        for await (const rec of readTraces(file, { format, detected, signal: io.signal, ...inputReadOptions(v, io, file) })) {
          if (limit !== undefined && n >= limit) break;
          n++;
          if (!rec.ok) {
            failed++;
            progress.done();
            io.stderr.write(rec.error.format() + "\n");
            continue;
          }
          const trace = rec.trace;
          const name = dataset ? ` ${trace.source.id ?? rec.record}` : "";
          try {
            const result = await verifyTrace(engine, { problem: trace.problem, steps: trace.steps.map((s) => s.text), reference: opts.reference }, opts, {
              signal: io.signal,
              onProgress: (p) => progress.update(p, name),
            });
            progress.done();
            if (result.aggregate.valid === 0) {
              unparsed++;
              io.stderr.write(
                `${file}${dataset ? `:${rec.line}` : ""}: ${dataset ? `record ${rec.record}: ` : ""}none of the ${result.aggregate.k} verifications could be parsed (see "malformed"; try --constrained for small models)\n`,
              );
            }
            if (v.json) io.stdout.write(JSON.stringify({ ...verifyResultJson(result, trace, dataset, v.raw), ...(demo ? { demo } : {}) }) + "\n");
            else
              io.stdout.write(
                verifyListing(result, trace, dataset) + (demo ? `\n${demo} (a generated model with random weights)` : "") + "\n" + (dataset ? "\n" : ""),
              );
          } catch (e) {
            if (e instanceof CancelledError || io.signal.aborted) throw e instanceof CancelledError ? e : new CancelledError();
            failed++;
            progress.done();
            const where = `${file}${dataset ? `:${rec.line}` : ""}`;
            io.stderr.write(`${where}: ${dataset ? `record ${rec.record}: ` : ""}${errorMessage(e)}\n`);
          }
        }
      } finally {
        progress.done();
        await engine.dispose();
      }
      return failed || unparsed ? 1 : 0;
    },
  };
}

export const verifyCommand: CliCommand = createVerifyCommand();
