/**
 * `steplens export <synthesis-dir|dataset|scored JSONL> --format F --out FILE`: training data for
 * PRMs (TRL, Math-Shepherd, chat SFT for generative PRMs, ProcessBench) and RL prompts (verl) from a
 * synthesis folder, a labelled dataset, or PRM scores. Logic in src/export; this file reads flags and
 * prints the summary.
 */
import { StepLensError } from "../../core/errors";
import { type ExportSummary, runExport } from "../../export/exportRun";
import { EXPORT_FORMATS, findExportFormat } from "../../export/formats";
import { DEFAULT_RL_INSTRUCTION } from "../../export/formats/verl";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { INPUT_OPTIONS, inputReadOptions } from "../flags";
import { defineOptions, jsonOption, optionsHelp, parseOptions, seedOption } from "../options";
import { INPUT_FORMAT_OPTION, STEP_TAG_OPTION } from "../commonOptions";

declare const STEPLENS_VERSION: string | undefined;
const VERSION = typeof STEPLENS_VERSION === "string" ? STEPLENS_VERSION : "0.0.0-dev";

const width = Math.max(...EXPORT_FORMATS.map((f) => f.name.length));
const FORMAT_NAMES = EXPORT_FORMATS.map((f) => f.name);

const OUTPUT = "Output";
const INPUT = "Input";
const ROWS = "Rows";

const OPTIONS = defineOptions({
  format: { type: "enum", choices: FORMAT_NAMES, arg: "<F>", group: OUTPUT, help: "the output format (above); required" },
  out: {
    type: "text",
    arg: "<file>",
    group: OUTPUT,
    help: "the output file, written whole or not at all (temp file + rename); with --split-ratio, <name>.train<ext> and <name>.test<ext> instead",
  },
  force: {
    type: "boolean",
    group: OUTPUT,
    help: "replace an existing --out file that is not an export of this format (an export never writes over its inputs, a synthesis run's own files or anything under .steplens/, even with --force)",
  },
  json: jsonOption("print the summary as one JSON object", OUTPUT),
  dataset: { type: "text", arg: "<file>", group: INPUT, help: "scored JSONL input: the dataset the scores were computed on" },
  labels: { type: "text", arg: "<file>", group: INPUT, help: "human labels (the editor's .steplens/labels.jsonl) override the input's" },
  "input-format": { ...INPUT_FORMAT_OPTION, group: INPUT, help: "dataset format" },
  "step-tag": { ...STEP_TAG_OPTION, group: INPUT },
  ...INPUT_OPTIONS,
  balance: { type: "boolean", group: ROWS, help: "per problem, keep as many correct as incorrect solutions (by label)" },
  "drop-unanimous": { type: "boolean", group: ROWS, help: "drop problems whose solutions all have the same outcome (as SPARK does)" },
  "split-ratio": {
    type: "number",
    arg: "<r>",
    bounds: { min: 0, max: 1 },
    group: ROWS,
    help: "a fraction r of the problems (by a hash of the problem id: deterministic) goes to the train file, the rest to the test file; r is neither 0 nor 1",
  },
  seed: seedOption("salt of the balance and split hashes", 0, ROWS),
  instruction: {
    type: "text",
    arg: "<text>",
    empty: true,
    group: ROWS,
    defaultText: "numbered steps, final answer in \\boxed{} inside <answer></answer>",
    help: 'verl formats: text appended to each problem prompt ("" for none)',
  },
});
const HELP = `Usage: steplens export <synthesis-dir | dataset | scores.jsonl> --format <F> --out <file> [options]

Writes training data from step-labelled solutions: a \`steplens synthesize\` folder (aggregated
verifier labels), any dataset StepLens reads (ProcessBench, PRM800K, Math-Shepherd, generic JSONL),
or scored JSONL from \`steplens score --json\` (a step is correct when its score reaches the
threshold; give the scored dataset with --dataset).

Formats (--format):
${EXPORT_FORMATS.map((f) => `  ${f.name.padEnd(width)}  ${f.summary}`).join("\n")}

${optionsHelp(OPTIONS)}

Rows need labels a step at a time: steps after the first unknown label (after a ProcessBench first
error) are left out by trl-prm, math-shepherd and prm-sft; processbench skips solutions whose first
error is undetermined; prm-cot-sft needs a synthesis folder (the verifier's text). The summary
counts every skip by reason. Layouts and examples: docs/export.md.

Exit codes: 0 written; 1 the input could not be read, or no row came out; 2 usage error; 130 cancelled.

Examples:
  steplens export examples/processbench/gsm8k.json --format trl-prm --out data/prm.jsonl
  steplens export runs/gsm8k --format trl-prm --out data/prm.jsonl --drop-unanimous --balance
  steplens export runs/gsm8k --format prm-cot-sft --out data/cot.jsonl --split-ratio 0.95
  steplens export gsm8k.json --format math-shepherd --out ms.jsonl --labels .steplens/labels.jsonl
  steplens export scores.jsonl --dataset gsm8k.json --format processbench --out pb.jsonl
  steplens export runs/gsm8k --format verl-parquet --out rl/train.parquet`;

function summaryText(s: ExportSummary): string {
  const out: string[] = [];
  out.push(
    `read ${s.solutions} solution${s.solutions === 1 ? "" : "s"} of ${s.problems} problem${s.problems === 1 ? "" : "s"} (${s.input}): ${s.outcomes.correct} correct, ${s.outcomes.incorrect} incorrect, ${s.outcomes.unknown} without an outcome` +
      (s.humanLabelled ? `; ${s.humanLabelled} with human labels` : ""),
  );
  if (s.selection.unanimousDropped)
    out.push(`dropped ${s.selection.unanimousDropped} problem${s.selection.unanimousDropped === 1 ? "" : "s"} whose solutions all agree (--drop-unanimous)`);
  if (s.selection.balanceDropped)
    out.push(`dropped ${s.selection.balanceDropped} solution${s.selection.balanceDropped === 1 ? "" : "s"} to balance correct and incorrect (--balance)`);
  for (const [reason, n] of Object.entries(s.skipped)) out.push(`skipped ${n}: ${reason}`);
  for (const f of s.files)
    out.push(
      f.written
        ? `wrote ${f.rows} ${s.format} row${f.rows === 1 ? "" : "s"} to ${f.file}${f.split ? ` (${f.split})` : ""}`
        : `no ${f.split ?? ""} row: ${f.file} not written (a parquet file needs at least one row)`.replace("  ", " "),
    );
  if (s.problemsReported)
    out.push(
      `${s.problemsReported} bad record${s.problemsReported === 1 ? "" : "s"} or line${s.problemsReported === 1 ? "" : "s"} reported above were skipped`,
    );
  return out.join("\n") + "\n";
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const [input, ...extra] = positionals;
  if (input === undefined) throw new UsageError("missing input: give a synthesis folder, a dataset file or scored JSONL.");
  if (extra.length) throw new UsageError(`one input at a time (got ${positionals.length}: ${positionals.join(", ")}).`);
  const formatName = values.format;
  if (!formatName) throw new UsageError(`--format is required: one of ${FORMAT_NAMES.join(", ")}.`);
  const format = findExportFormat(formatName)!;
  const { out, "split-ratio": splitRatio } = values;
  if (!out) throw new UsageError(`--out <file> is required (e.g. --out ${format.name}${format.extension}).`);
  if (splitRatio !== undefined && (splitRatio <= 0 || splitRatio >= 1))
    throw new UsageError(`--split-ratio must lie strictly between 0 and 1 (got ${splitRatio}).`);

  const summary = await runExport({
    input,
    dataset: values.dataset,
    format,
    out,
    labels: values.labels,
    force: values.force,
    balance: values.balance,
    dropUnanimous: values["drop-unanimous"],
    splitRatio,
    seed: values.seed,
    instruction: values.instruction ?? DEFAULT_RL_INSTRUCTION,
    read: { format: values["input-format"], stepTag: values["step-tag"], ...inputReadOptions(values, io, input) },
    createdBy: `steplens ${VERSION}`,
    signal: io.signal,
    onProblem: (e: StepLensError) => io.stderr.write(`${e.format()}\n`),
  });
  if (values.json) io.stdout.write(JSON.stringify(summary) + "\n");
  else io.stderr.write(summaryText(summary));
  if (summary.rows === 0) {
    io.stderr.write(`steplens export: no row came out (see the counts above).\n`);
    return 1;
  }
  return 0;
}

export const exportCommand: CliCommand = {
  name: "export",
  summary: "write training data (TRL, Math-Shepherd, chat SFT, ProcessBench, verl) from a synthesis folder, a dataset or scores",
  help: HELP,
  run,
};
