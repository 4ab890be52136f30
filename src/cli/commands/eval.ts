/**
 * `steplens eval processbench`: ProcessBench's metric, from a predictions file (no model) or by
 * running a scorer (PRM threshold, verification pipeline, or ProcessBench's critic) over the data,
 * resumable through `--out`. This file is the command (help, flags, data); the two modes are
 * src/cli/commands/evalPredictions.ts and src/cli/commands/evalModel.ts, the report evalReport.ts.
 */
import { DEFAULT_CONFIG } from "../../config";
import { PROCESSBENCH_SUBSETS } from "../../eval/processbenchMetric";
import { parseSubsets } from "../../eval/processbenchData";
import { ensureProcessBench, PROCESSBENCH_REPO } from "../../eval/processbenchDownload";
import { type CliCommand, UsageError } from "../command";
import { ENGINE_HELP, engineFromConfig, intFlag, parseFlags, progressPrinter } from "../flags";
import { EVAL_FLAG_OPTIONS, type EvalRun } from "./evalFlags";
import { evalWithModel } from "./evalModel";
import { evalFromPredictions } from "./evalPredictions";
import type { EngineFactory } from "./verify";

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

// The report helpers are shared by both modes; still exported from here.
export { metricsJson, metricsTable, undefinedMetricNotes } from "./evalReport";

export function createEvalCommand(makeEngine: EngineFactory = engineFromConfig): CliCommand {
  return {
    name: "eval",
    summary: "ProcessBench evaluation: metrics from predictions, or run a PRM / verifier / critic",
    help: HELP,
    async run(argv, io) {
      const { values: v, positionals } = parseFlags(argv, EVAL_FLAG_OPTIONS);
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

      const data = v.data;
      const run: EvalRun = { subsets, limit, json };
      if (v.predictions) return evalFromPredictions({ ...v, data, predictions: v.predictions }, io, run);
      return evalWithModel({ ...v, data }, io, makeEngine, run);
    },
  };
}

export const evalCommand: CliCommand = createEvalCommand();
