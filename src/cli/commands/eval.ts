/**
 * `steplens eval processbench`: ProcessBench's metric, from a predictions file (no model) or by
 * running a scorer (PRM threshold, verification pipeline, or ProcessBench's critic) over the data,
 * resumable through `--out`. This file is the command (help, flags, data); the two modes are
 * src/cli/commands/evalPredictions.ts and src/cli/commands/evalModel.ts, the report evalReport.ts.
 */
import { parseSubsets } from "../../eval/processbenchData";
import { ensureProcessBench } from "../../eval/processbenchDownload";
import { type CliCommand, UsageError } from "../command";
import { ENGINE_OPTIONS, engineFromConfig, progressPrinter } from "../flags";
import { optionsHelp, parseOptions } from "../options";
import { EVAL_FLAG_OPTIONS, EVAL_OWN_OPTIONS, type EvalRun } from "./evalFlags";
import { evalWithModel } from "./evalModel";
import { evalFromPredictions } from "./evalPredictions";
import { type EngineFactory, VERIFY_FLAG_OPTIONS } from "./verify";

const HELP = `Usage: steplens eval processbench [--data <dir|file>] [options]

ProcessBench (arXiv 2412.06559): for each trace, predict the index of the earliest wrong step (-1 if
none); per subset, acc_error = exact-match accuracy on traces with an error, acc_correct = accuracy
on traces without one, F1 = their harmonic mean (0 when both are 0); the average is the unweighted
mean of the subset F1s. Percentages from 0 to 100.

${optionsHelp(EVAL_OWN_OPTIONS)}

Verification (--scorer verify | critic; as in steplens verify):
${optionsHelp(VERIFY_FLAG_OPTIONS)}

${optionsHelp(ENGINE_OPTIONS)}

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
      const { values: v, positionals, given } = parseOptions(argv, EVAL_FLAG_OPTIONS);
      if (positionals[0] !== "processbench" || positionals.length !== 1)
        throw new UsageError(
          positionals.length
            ? `unknown benchmark '${positionals.join(" ")}' (available: processbench)`
            : "which benchmark? steplens eval processbench [--data <dir|file>]",
        );
      const limit = v.limit;
      const subsets = parseSubsets(v.subset);
      if (!v.data) {
        const tune = v["tune-threshold"] !== undefined ? [v["tune-threshold"]] : [];
        const wanted = subsets ? [...new Set([...subsets, ...tune])] : undefined;
        const download = progressPrinter(io, "downloading ProcessBench", 30_000, { unit: "bytes" });
        v.data = await ensureProcessBench({ env: io.env, subsets: wanted, signal: io.signal, onProgress: (p) => download.update(p) });
        download.done();
        io.stderr.write(`ProcessBench: ${v.data}\n`);
      }
      const data = v.data;
      const run: EvalRun = { subsets, limit, json: v.json, given };
      if (v.predictions) return evalFromPredictions({ ...v, data, predictions: v.predictions }, io, run);
      return evalWithModel({ ...v, data }, io, makeEngine, run);
    },
  };
}

export const evalCommand: CliCommand = createEvalCommand();
