/**
 * `steplens eval processbench`: ProcessBench's metric, from a predictions file (no model) or by
 * running a scorer (PRM threshold, verification pipeline, or ProcessBench's critic) over the data,
 * resumable through `--out`.
 */
import path from "node:path";
import { DEFAULT_CONFIG } from "../../config";
import type { ProcessBenchMetrics } from "../../eval/processbenchMetric";
import { PROCESSBENCH_SUBSETS } from "../../eval/processbenchMetric";
import { parseSubsets, processBenchFiles, type BadRecord } from "../../eval/processbenchData";
import { ensureProcessBench, PROCESSBENCH_REPO } from "../../eval/processbenchDownload";
import { runProcessBench } from "../../eval/processbenchRunner";
import { criticScorer, prmScorer, SCORER_NAMES, verifyScorer, type ItemScorer, type ScorerName } from "../../eval/scorers";
import { evaluatePredictions } from "../../eval/scorePredictions";
import { CRITIC_TIE_RULES } from "../../eval/criticProtocol";
import { CRITIC_INDEX_RULES } from "../../verify/verdictParser";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { demoLabel, ENGINE_HELP, engineConfig, engineFromConfig, enumFlag, intFlag, numberFlag, parseFlags, progressPrinter, safeText } from "../flags";
import { VERIFY_FLAG_OPTIONS, verifyOptionsFromFlags, type EngineFactory } from "./verify";

const HELP = `Usage: steplens eval processbench [--data <dir|file>] [options]

ProcessBench (arXiv 2412.06559): for each trace, predict the index of the earliest wrong step (-1 if
none); per subset, acc_error = exact-match accuracy on traces with an error, acc_correct = accuracy
on traces without one, F1 = their harmonic mean (0 when both are 0); the average is the unweighted
mean of the subset F1s. Percentages from 0 to 100.

Options:
  --data <dir|file>        the ProcessBench folder (gsm8k.json, math.json, olympiadbench.json,
                           omnimath.json) or one subset file; without it the subsets are downloaded
                           once from the Hugging Face Hub (${PROCESSBENCH_REPO}) into the StepLens
                           cache ($STEPLENS_CACHE, default ~/.cache/steplens; HF_ENDPOINT for a mirror)
  --subset <a,b,…>         subsets to evaluate (default: ${PROCESSBENCH_SUBSETS.join(",")})
  --limit <n>              n items of each subset: a seeded sample (the same every run) that keeps
                           both classes in proportion, at least one of each
  --predictions <file>     compute the metric from a JSONL file of {"id": "...", "prediction": <int>}
                           lines, with no model; an item with no prediction counts as wrong (the
                           count is reported), unknown ids and bad lines are reported
  --scorer <name>          with a model: prm | verify | critic (default prm)
                             prm     PRM step scores; prediction = first step below the threshold
                             verify  the verification pipeline's aggregate first error (see steplens
                                     verify: --samples, --aggregate, --tau, --template, …)
                             critic  ProcessBench's critic protocol as its official script runs it:
                                     the last \\boxed{} read as an integer, greedy for --samples 1,
                                     else --samples (default 8) at temperature 1, top_p 0.9, seed 42,
                                     most common answer (first seen wins a tie)
  --critic-index <rule>    critic: official (default) | lenient (also \\text{2}, a later non-index
                           box skipped, no box → the first paragraph judged wrong; not comparable)
  --critic-vote <rule>     critic: official (default; first seen wins a tie) | earliest (the earliest
                           step wins a tie, -1 loses ties)
  --prm <adapter>          prm: math-shepherd | chat-turn | judge | <preset> (default ${DEFAULT_CONFIG.prm.adapter})
  --threshold <T>          prm: fixed threshold (default ${DEFAULT_CONFIG.prm.threshold})
  --tune-threshold <subset>
                           prm: pick the threshold maximising F1 on that subset (the paper: gsm8k)
                           and apply it to every subset; the subset is scored even when not listed
  --out <dir>              with a model: where raw.jsonl (append-only, resumable), predictions.jsonl
                           and metrics.json go (default ./steplens-eval-<scorer>); rerunning the same
                           command resumes, skipping finished items
  --concurrency <n>        items scored at once (default 1; raise it for endpoints)
  --json                   print {"subsets": {"<name>": {"n", "accError", "accCorrect", "f1"}},
                           "averageF1"}; otherwise a table (notes go to stderr either way)
Verification (--scorer verify | critic): --samples, --aggregate, --tau, --meta-critique, --template,
  --constrained, --max-critique-chars, --temperature, --top-p, --final-verdict, --seed, --max-tokens
  (see steplens verify --help)
${ENGINE_HELP}
  -h, --help               show this help

A subset whose error or correct group is empty (a subset file with one class only, or --limit 1)
has a null accuracy and F1, is left out of the average, and a note on stderr says which and why.

Exit codes: 0 done; 1 the data or predictions could not be read, or some items failed (reported);
2 usage error; 130 interrupted (rerun to resume).

Examples:
  steplens eval processbench --predictions preds.jsonl --json
  steplens eval processbench --data test/fixtures/processbench --predictions preds.jsonl
  steplens eval processbench --data examples/processbench --scorer prm --model demo
  steplens eval processbench --data pb/ --scorer prm --model math-shepherd-mistral-7b-prm --tune-threshold gsm8k
  steplens eval processbench --data pb/ --scorer critic --samples 8 --endpoint http://127.0.0.1:8000/v1 --api-model qwen`;

function fmt(x: number | null): string {
  return x === null ? "–" : x.toFixed(1);
}

export function metricsJson(m: ProcessBenchMetrics): {
  subsets: Record<string, { n: number; accError: number | null; accCorrect: number | null; f1: number | null }>;
  averageF1: number | null;
} {
  const subsets: Record<string, { n: number; accError: number | null; accCorrect: number | null; f1: number | null }> = {};
  for (const [name, s] of Object.entries(m.subsets)) subsets[name] = { n: s.n, accError: s.accError, accCorrect: s.accCorrect, f1: s.f1 };
  return { subsets, averageF1: m.averageF1 };
}

export function metricsTable(m: ProcessBenchMetrics): string {
  const rows = Object.entries(m.subsets).map(([name, s]) => [
    name,
    String(s.n),
    fmt(s.accError),
    fmt(s.accCorrect),
    fmt(s.f1),
    s.missing ? String(s.missing) : "",
  ]);
  const head = ["subset", "n", "acc_error", "acc_correct", "F1", "no prediction"];
  const all = [head, ...rows, ["average F1", "", "", "", fmt(m.averageF1), ""]];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line), line(all[all.length - 1])].join("\n");
}

function noteBadRecords(io: CliIo, bad: BadRecord[]): void {
  for (const b of bad.slice(0, 10)) io.stderr.write(`${b.message}\n`);
  if (bad.length > 10) io.stderr.write(`… and ${bad.length - 10} more bad records\n`);
}

/** Why a subset's metrics are undefined, one line each (none when all are defined). */
export function undefinedMetricNotes(m: ProcessBenchMetrics): string[] {
  const notes: string[] = [];
  for (const [name, s] of Object.entries(m.subsets)) {
    if (s.accError === null)
      notes.push(`${name}: acc_error and F1 are undefined: none of its ${s.n} evaluated item${s.n === 1 ? "" : "s"} has an error (label ≠ -1)`);
    if (s.accCorrect === null)
      notes.push(`${name}: acc_correct and F1 are undefined: none of its ${s.n} evaluated item${s.n === 1 ? "" : "s"} is correct throughout (label -1)`);
  }
  if (m.averageF1 === null && Object.keys(m.subsets).length) notes.push("average F1 is undefined: no subset has an F1");
  else if (notes.length) notes.push("subsets without an F1 are left out of the average F1");
  return notes;
}

function printMetrics(io: CliIo, m: ProcessBenchMetrics, json: boolean, demo?: string): void {
  for (const note of undefinedMetricNotes(m)) io.stderr.write(`note: ${note}\n`);
  if (json) io.stdout.write(JSON.stringify({ ...metricsJson(m), ...(demo ? { demo } : {}) }) + "\n");
  else io.stdout.write(metricsTable(m) + (demo ? `\n${demo} (a generated model with random weights)` : "") + "\n");
}

export function createEvalCommand(makeEngine: EngineFactory = engineFromConfig): CliCommand {
  return {
    name: "eval",
    summary: "ProcessBench evaluation: metrics from predictions, or run a PRM / verifier / critic",
    help: HELP,
    async run(argv, io) {
      const { values: v, positionals } = parseFlags(argv, {
        ...VERIFY_FLAG_OPTIONS,
        data: { type: "string" },
        subset: { type: "string" },
        limit: { type: "string" },
        scorer: { type: "string" },
        threshold: { type: "string" },
        "tune-threshold": { type: "string" },
        predictions: { type: "string" },
        out: { type: "string" },
        concurrency: { type: "string" },
        json: { type: "boolean" },
        prm: { type: "string" },
        "critic-index": { type: "string" },
        "critic-vote": { type: "string" },
      });
      if (positionals[0] !== "processbench" || positionals.length !== 1)
        throw new UsageError(
          positionals.length
            ? `unknown benchmark '${positionals.join(" ")}' (available: processbench)`
            : "which benchmark? steplens eval processbench [--data <dir|file>]",
        );
      const limit = intFlag(v, "limit", { min: 1 });
      const subsets = parseSubsets(v.subset);
      if (!v.data) {
        const tune = typeof v["tune-threshold"] === "string" ? [v["tune-threshold"]] : [];
        const wanted = subsets ? [...new Set([...subsets, ...tune])] : undefined;
        const download = progressPrinter(io, "downloading ProcessBench", 30_000, { unit: "bytes" });
        v.data = await ensureProcessBench({ env: io.env, subsets: wanted, signal: io.signal, onProgress: (p) => download.update(p) });
        download.done();
        io.stderr.write(`ProcessBench: ${v.data}\n`);
      }
      const json = Boolean(v.json);

      if (v.predictions) {
        for (const f of ["scorer", "threshold", "tune-threshold", "model", "endpoint", "out", "prm"] as const)
          if (v[f] !== undefined) throw new UsageError(`--predictions computes the metric from the file: --${f} does not apply`);
        const files = processBenchFiles(v.data, subsets);
        const progress = progressPrinter(io, "reading");
        const r = await evaluatePredictions(files, v.predictions, { limit, signal: io.signal, onProgress: (p) => progress.update(p) });
        progress.done();
        noteBadRecords(io, r.badRecords);
        for (const p of r.problems.slice(0, 10)) io.stderr.write(`${v.predictions}:${p.line}: ${p.message}; line skipped\n`);
        if (r.problems.length > 10) io.stderr.write(`${v.predictions}: … and ${r.problems.length - 10} more bad lines\n`);
        if (r.tornLine !== null) io.stderr.write(`${v.predictions}:${r.tornLine}: the last line is cut off (no newline, not JSON); ignored\n`);
        if (r.duplicates.length)
          io.stderr.write(
            `${v.predictions}: ${r.duplicates.length} ids appear more than once; the last prediction of each was used (e.g. ${safeText(r.duplicates[0])})\n`,
          );
        if (r.metrics.missing)
          io.stderr.write(
            `note: ${r.metrics.missing} of the evaluated items have no prediction and count as wrong (e.g. ${r.metrics.missingIds.slice(0, 5).map(safeText).join(", ")})\n`,
          );
        if (r.unknown)
          io.stderr.write(`note: ${r.unknown} predictions have ids outside the evaluated items (e.g. ${r.unknownIds.slice(0, 5).map(safeText).join(", ")})\n`);
        if (r.duplicateDataIds.length) io.stderr.write(`note: ${r.duplicateDataIds.length} ids repeat in the data; their predictions cannot be told apart\n`);
        printMetrics(io, r.metrics, json);
        return r.badRecords.length || r.problems.length ? 1 : 0;
      }

      const scorerName = enumFlag<ScorerName>(v, "scorer", SCORER_NAMES) ?? "prm";
      const threshold = numberFlag(v, "threshold", "prm.threshold");
      const tuneOn = v["tune-threshold"];
      if (scorerName !== "prm" && (threshold !== undefined || tuneOn)) throw new UsageError("--threshold and --tune-threshold apply to --scorer prm only");
      if (threshold !== undefined && tuneOn) throw new UsageError("give --threshold or --tune-threshold, not both");
      const concurrency = intFlag(v, "concurrency", "openai.concurrency") ?? 1;
      const files = processBenchFiles(v.data, subsets);
      const report = files.map((f) => f.subset);
      let runFiles = files;
      if (tuneOn && !report.includes(tuneOn)) {
        runFiles = [...processBenchFiles(v.data, [tuneOn]), ...files];
        io.stderr.write(`note: ${tuneOn} is scored to tune the threshold, but not reported\n`);
      }
      if (scorerName !== "critic" && (v["critic-index"] !== undefined || v["critic-vote"] !== undefined))
        throw new UsageError("--critic-index and --critic-vote apply to --scorer critic only");
      const verifyOpts = scorerName === "prm" ? null : verifyOptionsFromFlags(v);
      const samples = scorerName === "critic" ? (v.samples ? verifyOpts!.samples : 8) : verifyOpts?.samples;
      const role = scorerName === "prm" ? "prm" : "verifier";
      const config = engineConfig(v, [role], io.env, { samples });
      if (v.prm) config.prm.adapter = v.prm;
      const modelName = v.endpoint ? `${v.endpoint} ${v["api-model"] ?? ""}`.trim() : config.models[role];
      const demo = demoLabel(config.models[role]);
      const outDir = path.resolve(v.out ?? `steplens-eval-${scorerName}`);
      const engine = await makeEngine(config, io, role);
      let scorer: ItemScorer;
      try {
        if (scorerName === "prm") scorer = prmScorer(engine, `${modelName}${v.prm ? ` (${v.prm})` : ""}`);
        else {
          const vo = verifyOpts!;
          if (scorerName === "verify") scorer = verifyScorer(engine, { ...vo, model: modelName });
          else
            scorer = criticScorer(engine, {
              ...vo,
              template: v.template ? vo.template : undefined,
              samples,
              temperature: v.temperature ? vo.temperature : undefined,
              topP: v["top-p"] ? vo.topP : undefined,
              criticIndex: enumFlag(v, "critic-index", CRITIC_INDEX_RULES),
              tieRule: enumFlag(v, "critic-vote", CRITIC_TIE_RULES),
              model: modelName,
            });
        }
      } catch (e) {
        await engine.dispose();
        throw e;
      }
      const progress = progressPrinter(io, `eval processbench (${scorerName})`);
      try {
        const r = await runProcessBench({
          files: runFiles,
          report,
          limit,
          outDir,
          scorer,
          threshold,
          tuneOn,
          concurrency,
          signal: io.signal,
          onProgress: (p) => progress.update(p),
        });
        progress.done();
        noteBadRecords(io, r.badRecords);
        if (r.tornBytes) io.stderr.write(`note: ${r.rawFile}: a torn last line (${r.tornBytes} bytes) was cut off; that item was computed again\n`);
        io.stderr.write(`${r.computed} items scored, ${r.resumed} already done; predictions: ${r.predictionsFile}\n`);
        for (const f of r.failures.slice(0, 10)) io.stderr.write(`${f.where ? `${safeText(f.where)}: ` : ""}record ${safeText(f.id)}: ${f.message}\n`);
        if (r.failures.length) io.stderr.write(`${r.failures.length} items failed (no prediction, counted as wrong); rerun to retry them\n`);
        if (r.undecided) io.stderr.write(`note: ${r.undecided} items got no prediction (every verification malformed); counted as wrong\n`);
        if (r.threshold?.tuning)
          io.stderr.write(
            `threshold ${r.threshold.value.toFixed(4)} tuned on ${r.threshold.tunedOn} (F1 there ${r.threshold.tuning.f1.toFixed(1)}, ${r.threshold.tuning.candidates} candidates), applied to every subset\n`,
          );
        else if (r.threshold) io.stderr.write(`threshold ${r.threshold.value}\n`);
        printMetrics(io, r.metrics, json, demo);
        return r.failures.length || r.badRecords.length ? 1 : 0;
      } finally {
        progress.done();
        await engine.dispose();
      }
    },
  };
}

export const evalCommand: CliCommand = createEvalCommand();
