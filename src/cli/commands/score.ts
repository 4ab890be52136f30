/**
 * `steplens score <file>`: per-step PRM scores of a trace, or of every record of a dataset, on the
 * local engine (node-llama-cpp: a GGUF file, an hf: URI or a preset) or an OpenAI-compatible
 * endpoint. Every step is scored in one pass (see src/engines/prm). Dataset records are scored
 * several at a time (one per parallel sequence, batched together) and written in input order.
 * Bad records are reported on stderr as `file:line: …` and skipped. Cancellable (Ctrl-C).
 */
import type { StepLensConfig } from "../../config";
import { StepLensError, throwIfAborted } from "../../core/errors";
import { findTooLong, noStepsError, tooLongError } from "../../core/inputLimits";
import type { Trace } from "../../core/trace";
import type { Engine, ScoreResult } from "../../engines/engine";
import { isEngineError } from "../../engines/errors";
import { detectFormat } from "../../formats/detect";
import { readTraces, type TraceRecordResult } from "../../formats/records";
import { type CliCommand, type CliIo, UsageError } from "../command";
import {
  applyPrmAdapter,
  DEMO_NOTICE,
  ENGINE_OPTIONS,
  engineConfig,
  engineFromConfig,
  INPUT_OPTIONS,
  inputReadOptions,
  isDemoModel,
  progressPrinter,
  safeText,
} from "../flags";
import { defineOptions, jsonOption, limitOption, optionsHelp, type OptionValues, parseOptions } from "../options";
import { INPUT_FORMAT_OPTION, PRM_OPTION, STEP_TAG_OPTION, THRESHOLD_OPTION } from "../commonOptions";
import { recordIdentity } from "../recordIdentity";

const SCORE_OPTIONS = defineOptions({
  prm: PRM_OPTION,
  threshold: THRESHOLD_OPTION,
  json: jsonOption(
    'one JSON object per trace (JSONL for a dataset): {"steps": [{"index", "score", "margin"}], "firstError", "threshold", "model", "adapter", "evaluatedTokens", "traceTokens", "seconds"} (+ "id", "record" for datasets; + "demo" with a generated random-weight model); index is 0-based; firstError is -1 when no step is below t',
  ),
  format: INPUT_FORMAT_OPTION,
  limit: limitOption("records of a dataset"),
  "step-tag": STEP_TAG_OPTION,
  positive: { type: "text", arg: "<label>", defaultText: "+ for PRMs, Yes for judge", help: 'label read as "correct"' },
  negative: { type: "text", arg: "<label>", defaultText: "- for PRMs, No for judge", help: 'label read as "incorrect"' },
  ...INPUT_OPTIONS,
  ...ENGINE_OPTIONS,
});

type ScoreValues = OptionValues<typeof SCORE_OPTIONS>;

const HELP = `Usage: steplens score <file> [options]

Scores every step of a trace (Markdown / text) or of every record of a dataset (ProcessBench,
PRM800K, Math-Shepherd, generic JSONL) with a process reward model, in one pass per trace, and
reports the first step whose score is below the threshold.

${optionsHelp(SCORE_OPTIONS)}
(dataset records are scored --sequences at a time)

Exit codes: 0 every trace was scored; 1 a file or model problem, a trace with no steps, or some
records could not be scored (each reported on stderr; the others still come out); 2 usage error;
130 cancelled. A step longer than the context could ever hold (--context-size x 64 characters) is
refused before it is tokenized.

Examples:
  steplens score examples/quadratic-sum-of-squares.trace.md --model demo
  steplens score examples/quadratic-sum-of-squares.trace.md --model math-shepherd-mistral-7b-prm
  steplens score gsm8k.json --model ./prm.Q4_K_M.gguf --prm math-shepherd --json > scores.jsonl
  steplens score trace.md --model qwen3-4b --prm judge --threshold 0.4
  steplens score trace.md --endpoint http://127.0.0.1:8000/v1 --api-model Qwen/Qwen3-4B --prm judge`;

/** The typed config the flags describe (the same one the extension builds from its settings). */
export function scoreConfig(values: ScoreValues, env: NodeJS.ProcessEnv = {}): StepLensConfig {
  const config = engineConfig(values, ["prm"], env);
  applyPrmAdapter(config, values.prm, values.model);
  config.prm.threshold = values.threshold;
  config.prm.stepTag = values["step-tag"];
  if (values.positive !== undefined) config.prm.positiveToken = values.positive;
  if (values.negative !== undefined) config.prm.negativeToken = values.negative;
  return config;
}

/** First step below the threshold, else -1. */
export function firstErrorOf(scores: readonly { score: number }[], threshold: number): number {
  return scores.findIndex((s) => s.score < threshold);
}

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** The `--json` object of one scored trace. */
export function scoreJson(result: ScoreResult, threshold: number, trace?: Trace, dataset = false): Record<string, unknown> {
  const head: Record<string, unknown> = dataset && trace ? recordIdentity(trace) : {};
  return {
    ...head,
    steps: result.steps.map((s) => ({ index: s.index, score: round(s.score, 6), margin: round(s.margin, 4) })),
    firstError: firstErrorOf(result.steps, threshold),
    threshold,
    model: result.model,
    adapter: result.adapter,
    evaluatedTokens: result.evaluatedTokens,
    traceTokens: result.traceTokens,
    seconds: round(result.seconds, 4),
    // Only for generated random-weight models (the demo and test models): their scores are meaningless.
    ...(isDemoModel(result.model) ? { demo: DEMO_NOTICE } : {}),
  };
}

/** A readable report of one scored trace (step numbers 1-based, as editors show them). */
export function scoreListing(result: ScoreResult, threshold: number, trace: Trace, dataset: boolean): string {
  const first = firstErrorOf(result.steps, threshold);
  const src = trace.source;
  const out: string[] = [];
  out.push(dataset ? `── ${src.file ?? ""} · record ${src.record ?? 0} · id ${src.id ?? src.record}` : `── ${src.file ?? ""}`);
  const width = String(result.steps.length).length;
  for (const s of result.steps) {
    const step = trace.steps[s.index];
    const line = step?.range ? `line ${step.range.start.line + 1}` : "";
    const mark = s.index === first ? "✗ first error" : s.score < threshold ? "✗" : "✓";
    const text = (step?.text ?? "").replace(/\s+/g, " ").slice(0, 60);
    out.push(`  ${String(s.index + 1).padStart(width)}. ${s.score.toFixed(3)} ${mark.padEnd(13)} ${line.padEnd(9)} ${safeText(text)}`);
  }
  const firstStep = result.steps[first]; // undefined when first is -1 (no step below the threshold)
  out.push(firstStep === undefined ? `No step below ${threshold}.` : `First error: step ${first + 1} (score ${firstStep.score.toFixed(3)} < ${threshold}).`);
  out.push(`${result.adapter} · ${result.model} · ${result.evaluatedTokens} of ${result.traceTokens} tokens evaluated · ${result.seconds.toFixed(2)} s`);
  if (isDemoModel(result.model)) out.push(`${DEMO_NOTICE} (a generated model with random weights)`);
  return out.join("\n") + "\n";
}

type Scored = { record: TraceRecordResult; result?: ScoreResult; error?: StepLensError };

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, SCORE_OPTIONS);
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError("missing <file>: give the trace or dataset file to score.");
  if (extra.length) throw new UsageError(`one file at a time (got ${positionals.length}: ${positionals.join(", ")}).`);
  const { format, limit } = values;
  const config = scoreConfig(values, io.env);
  const threshold = config.prm.threshold;

  const detected = await detectFormat(file, { format, stepTag: values["step-tag"], signal: io.signal });
  const dataset = detected.format !== "text";
  const progress = progressPrinter(io, "scoring");
  const engine: Engine = await engineFromConfig(config, io);
  let scored = 0;
  let failed = 0;
  const window: Promise<Scored>[] = [];
  try {
    const parallel = config.engine.kind === "local" ? config.local.sequences : config.openai.concurrency;
    const emit = async (item: Scored) => {
      if (item.result && item.record.ok) {
        scored++;
        const trace = item.record.trace;
        io.stdout.write(
          values.json
            ? JSON.stringify(scoreJson(item.result, threshold, trace, dataset)) + "\n"
            : (scored > 1 ? "\n" : "") + scoreListing(item.result, threshold, trace, dataset),
        );
      } else {
        failed++;
        progress.done();
        const error = item.error ?? (item.record.ok ? undefined : item.record.error);
        io.stderr.write(`${error ? error.format() : "unknown error"}\n`);
      }
      progress.update({ done: scored + failed, total: limit, message: `${failed ? `${failed} failed` : ""}` });
    };
    const scoreOne = async (record: TraceRecordResult): Promise<Scored> => {
      if (!record.ok) return { record };
      const trace = record.trace;
      const name = dataset ? `${file}#${trace.source.id ?? record.record} (line ${record.line})` : file;
      const at = dataset ? { file, line: record.line, what: `record ${trace.source.id ?? record.record}` } : { file };
      if (trace.steps.length === 0) return { record, error: noStepsError(at) };
      if (config.engine.kind === "local") {
        // Fail fast, before tokenizing: a 20 MB step would cost gigabytes to learn that it cannot fit.
        const tooLong = findTooLong(
          trace.problem,
          trace.steps.map((s) => s.text),
          config.local.contextSize,
        );
        if (tooLong) {
          const stepLine = tooLong.step !== null ? trace.steps[tooLong.step]?.range?.start.line : undefined;
          return {
            record,
            error: tooLongError(tooLong, config.local.contextSize, { file, line: dataset ? record.line : stepLine !== undefined ? stepLine + 1 : undefined }),
          };
        }
      }
      try {
        const result = await engine.scoreSteps(
          { problem: trace.problem, steps: trace.steps.map((s) => s.text), cacheKey: name },
          { signal: io.signal, onProgress: dataset ? undefined : (p) => progress.update(p) },
        );
        return { record, result };
      } catch (e) {
        // One trace that does not fit is reported and skipped; anything else (model, engine) ends the run.
        if (isEngineError(e, "context-too-small")) return { record, error: e };
        throw e;
      }
    };

    // Score up to `parallel` records at once (they batch on the engine), emit in input order.
    let taken = 0;
    for await (const record of readTraces(file, { detected, stepTag: values["step-tag"], signal: io.signal, ...inputReadOptions(values, io, file) })) {
      throwIfAborted(io.signal);
      if (limit !== undefined && taken >= limit) break;
      taken++;
      const p = scoreOne(record);
      p.catch(() => undefined); // awaited below, in order
      window.push(p);
      if (window.length >= Math.max(1, parallel)) await emit(await window.shift()!);
    }
    while (window.length) await emit(await window.shift()!);
  } finally {
    progress.done();
    await Promise.allSettled(window); // nothing may still run on the engine when it is disposed
    await engine.dispose();
  }
  if (dataset && failed) {
    const total = scored + failed;
    io.stderr.write(
      `steplens score: ${failed} of ${total} record${total === 1 ? "" : "s"} could not be scored (reported above); the other ${scored} came out.\n`,
    );
  }
  if (dataset && scored + failed === 0) io.stderr.write(`${file}: no records found.\n`);
  return failed ? 1 : 0;
}

export const scoreCommand: CliCommand = {
  name: "score",
  summary: "score every step of a trace or dataset with a process reward model (one pass per trace)",
  help: HELP,
  run,
};
