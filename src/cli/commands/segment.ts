/**
 * `steplens segment <file>`: the problem, steps, final answer and labels of a trace file, or of every
 * record of a dataset (streamed: memory stays bounded whatever the file size; output is written with
 * backpressure). Bad records are reported on stderr as `file:line: …` and skipped.
 */
import { once } from "node:events";
import { CancelledError } from "../../core/errors";
import type { Step, Trace, TraceLabels } from "../../core/trace";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { FORMAT_CHOICES, type FormatChoice, detectFormat } from "../../formats/detect";
import { progressPrinter, INPUT_OPTIONS, inputReadOptions } from "../flags";
import { defineOptions, jsonOption, limitOption, optionsHelp, parseOptions } from "../options";
import { INPUT_FORMAT_OPTION, PROBLEM_FIELD_OPTION, STEP_TAG_OPTION } from "../commonOptions";
import type { JsonlFieldNames } from "../../formats/jsonl";
import { readTraces } from "../../formats/records";
import { PRM800K_NEUTRAL_CHOICES } from "../../formats/prm800k";
import { recordIdentity } from "../recordIdentity";

const OPTIONS = defineOptions({
  format: { ...INPUT_FORMAT_OPTION, help: `${FORMAT_CHOICES.join(" | ")}; auto: from the extension and the first record` },
  json: jsonOption("machine-readable output: one JSON object for a text trace, one JSON object per line (JSONL) for a dataset"),
  limit: { ...limitOption("records"), help: "datasets: the first n records only (bad records count)" },
  ...INPUT_OPTIONS,
  // The field flags take "" as not given (as before the declarations), hence `empty`.
  "problem-field": { ...PROBLEM_FIELD_OPTION, empty: true, group: "Generic JSONL", help: "the field with the problem" },
  "solution-field": {
    type: "text",
    arg: "<name>",
    empty: true,
    group: "Generic JSONL",
    defaultText: "response, solution, completion, output",
    help: "the field with a solution string to segment",
  },
  "steps-field": {
    type: "text",
    arg: "<name>",
    empty: true,
    group: "Generic JSONL",
    defaultText: "steps, completions",
    help: "the field with an array of step strings",
  },
  "step-tag": { ...STEP_TAG_OPTION, group: "Datasets" },
  "prm800k-neutral": {
    type: "enum",
    choices: PRM800K_NEUTRAL_CHOICES,
    arg: "<as>",
    group: "Datasets",
    default: "unlabelled",
    help: "PRM800K input: read rating 0 (neutral) as unlabelled, correct, or incorrect (TRL's reading: it counts only rating 1 as correct)",
  },
});

const HELP = `Usage: steplens segment <file> [options]

Splits a trace into its problem, steps and final answer, with each step's line range; for a dataset
(ProcessBench, PRM800K, Math-Shepherd, generic JSONL) does the same for every record, streamed.

Options:
${optionsHelp(OPTIONS)}

Generic JSONL field names may be dotted paths (a.b); any of the three field flags implies
--format jsonl.

JSON output (--json):
  {"format", "problem", "steps": [{"index", "text", "range"}], "finalAnswer", "labels"}
  Datasets add "id" and "record" (0-based) to each line. "index" is 0-based. "range" is
  {"start": {"line", "character"}, "end": {"line", "character"}} (0-based, as VS Code counts) for a
  text trace, null for dataset steps. "labels" is null when the source has none, else
  {"firstError": n, "steps": [true | false | null, …] | null}: firstError is the 0-based index of the
  first wrong step (-1: all correct); "steps" holds per-step verdicts (null = neutral / not rated)
  for formats that have them (PRM800K, Math-Shepherd, JSONL "labels"), else null (ProcessBench).

Exit codes: 0 every record was read; 1 the file could not be read, or some records could not (each is
reported on stderr as file:line: what is wrong, and what to do; the other records still come out);
2 usage error.

Examples:
  steplens segment examples/quadratic-sum-of-squares.trace.md
  steplens segment test/fixtures/processbench/gsm8k.json --json --limit 3
  steplens segment chats.jsonl --format jsonl --solution-field reply --json`;

interface LabelsJson {
  firstError: number;
  steps: (boolean | null)[] | null;
}

function labelsJson(labels: TraceLabels | null): LabelsJson | null {
  if (!labels) return null;
  return { firstError: labels.firstError, steps: labels.kind === "per-step" ? labels.steps : null };
}

function stepJson(step: Step) {
  return {
    index: step.index,
    text: step.text,
    range: step.range
      ? {
          start: { line: step.range.start.line, character: step.range.start.character },
          end: { line: step.range.end.line, character: step.range.end.character },
        }
      : null,
  };
}

/** The `--json` object of one trace (dataset records also carry id and record). */
export function traceJson(trace: Trace, dataset: boolean): Record<string, unknown> {
  const head: Record<string, unknown> = { format: trace.format, ...(dataset ? recordIdentity(trace) : {}) };
  return { ...head, problem: trace.problem, steps: trace.steps.map(stepJson), finalAnswer: trace.finalAnswer, labels: labelsJson(trace.labels) };
}

function indent(text: string, pad: string): string {
  return text
    .split(/\r?\n/)
    .map((line, i) => (i === 0 ? line : line === "" ? "" : pad + line))
    .join("\n");
}

/** "[line 4] " or "[lines 4–6] " (1-based, as editors show them). */
function linesTag(range: { start: { line: number }; end: { line: number } }): string {
  const a = range.start.line + 1;
  const b = range.end.line + 1;
  return a === b ? `[line ${a}] ` : `[lines ${a}–${b}] `;
}

/** ✓ / ✗ / ? for a step's label; "·" for steps after a ProcessBench first error (not judged). */
function stepMark(labels: TraceLabels | null, index: number): string {
  if (!labels) return "";
  if (labels.kind === "per-step") {
    const v = labels.steps[index];
    return v === true ? "✓ " : v === false ? "✗ " : "? ";
  }
  if (labels.firstError === -1 || index < labels.firstError) return "✓ ";
  return index === labels.firstError ? "✗ " : "· ";
}

function labelsLine(labels: TraceLabels | null, stepCount: number): string {
  if (!labels) return "Labels: none";
  const kind = labels.kind === "per-step" ? "per-step" : "first error";
  if (labels.firstError === -1) {
    const neutral = labels.kind === "per-step" ? labels.steps.filter((s) => s === null).length : 0;
    return `Labels (${kind}): no wrong step among ${stepCount}${neutral ? ` (${neutral} neutral)` : ""}`;
  }
  return `Labels (${kind}): first wrong step is step ${labels.firstError + 1}`;
}

/** The readable listing of one trace; step numbers and line numbers are 1-based, as editors show them. */
export function traceListing(trace: Trace, dataset: boolean): string {
  const out: string[] = [];
  const src = trace.source;
  const where = dataset ? `${src.file ?? ""} · record ${src.record ?? 0} · id ${src.id ?? src.record} · line ${src.line ?? "?"}` : (src.file ?? "");
  out.push(`── ${where} · ${trace.format}`);
  const problemLines = trace.problemRange ? ` ${linesTag(trace.problemRange).trimEnd()}` : "";
  out.push(`Problem${problemLines}: ${indent(trace.problem.trim() || "(none)", "  ")}`);
  out.push(`Steps (${trace.steps.length}):`);
  const width = String(trace.steps.length).length;
  for (const step of trace.steps) {
    const number = `${String(step.index + 1).padStart(width)}.`;
    const lines = step.range ? linesTag(step.range) : "";
    out.push(`  ${number} ${stepMark(trace.labels, step.index)}${lines}${indent(step.text, " ".repeat(width + 4))}`);
  }
  out.push(`Final answer: ${trace.finalAnswer ?? "(none found)"}`);
  out.push(labelsLine(trace.labels, trace.steps.length));
  return out.join("\n") + "\n";
}

/** Buffers output and writes it in large pieces, waiting for 'drain' when the stream is full. */
class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly signal: AbortSignal,
    private readonly limit = 1 << 16,
  ) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.parts.length) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (this.stream.write(text)) return;
    try {
      await once(this.stream as NodeJS.EventEmitter, "drain", { signal: this.signal });
    } catch (e) {
      if (this.signal.aborted) throw new CancelledError();
      throw e;
    }
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError("missing <file>: give the trace or dataset file to segment.");
  if (extra.length) throw new UsageError(`one file at a time (got ${positionals.length}: ${positionals.join(", ")}).`);
  const { format: formatArg, limit, "step-tag": stepTag, "prm800k-neutral": prm800kNeutral } = values;

  const fields: JsonlFieldNames = {};
  if (values["problem-field"]) fields.problem = [values["problem-field"]];
  if (values["solution-field"]) fields.solution = [values["solution-field"]];
  if (values["steps-field"]) fields.steps = [values["steps-field"]];
  const fieldFlags = Object.keys(fields).length > 0;
  if (fieldFlags && formatArg !== "auto" && formatArg !== "jsonl")
    throw new UsageError(`--problem-field, --solution-field and --steps-field apply to generic JSONL only, not --format ${formatArg}.`);
  const format: FormatChoice = fieldFlags ? "jsonl" : formatArg;

  const detected = await detectFormat(file, { format, stepTag, signal: io.signal });
  const dataset = detected.format !== "text";
  const out = new BufferedWriter(io.stdout, io.signal);
  const errors = new BufferedWriter(io.stderr, io.signal, 0); // unbuffered, but waits for 'drain' too
  const progress = progressPrinter({ stderr: io.stderr, isTTY: io.isTTY && dataset }, "reading", Infinity, { unit: "bytes" });
  let read = 0;
  let failed = 0;
  for await (const result of readTraces(file, {
    detected,
    fields,
    stepTag,
    prm800kNeutral,
    signal: io.signal,
    onProgress: (p) => progress.update(p),
    ...inputReadOptions(values, io, file),
  })) {
    if (limit !== undefined && read + failed >= limit) break;
    if (!result.ok) {
      failed++;
      await out.flush(); // keep stdout and stderr in order when both go to one terminal
      progress.done();
      await errors.write(`${result.error.format()}\n`);
      continue;
    }
    read++;
    await out.write(values.json ? JSON.stringify(traceJson(result.trace, dataset)) + "\n" : (read > 1 ? "\n" : "") + traceListing(result.trace, dataset));
  }
  await out.flush();
  progress.done();
  if (failed && !dataset) return 1;
  if (failed) {
    const total = read + failed;
    io.stderr.write(
      `steplens segment: ${failed} of ${total} record${total === 1 ? "" : "s"} could not be read (reported above); the other ${read} came out.\n`,
    );
    return 1;
  }
  if (dataset && read === 0)
    io.stderr.write(`${file}: no records found (${detected.container === "json-array" ? "the JSON list is empty" : "the file has no non-blank lines"}).\n`);
  return 0;
}

export const segmentCommand: CliCommand = {
  name: "segment",
  summary: "split a trace or every record of a dataset into problem, steps, final answer and labels",
  help: HELP,
  run,
};
