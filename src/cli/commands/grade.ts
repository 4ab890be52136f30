/**
 * `steplens grade <file.jsonl>`: answer equivalence over a JSONL file of {gold, pred} objects, with
 * the one extractor and equivalence test every outcome check uses (src/grading). No model runs.
 */
import { StepLensError, throwIfAborted } from "../../core/errors";
import { readJsonlLines } from "../../eval/predictions";
import { gradePair, type GradedPair } from "../../grading";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { safeText } from "../flags";
import { defineOptions, jsonOption, optionsHelp, parseOptions } from "../options";

const OPTIONS = defineOptions({
  "gold-field": {
    type: "text",
    arg: "<name>",
    default: "gold",
    help: "the gold answer's field; a dotted path such as reward_model.ground_truth reaches into nested objects",
  },
  "pred-field": { type: "text", arg: "<name>", default: "pred", help: "the prediction's field" },
  json: jsonOption(
    'exactly one JSON line per graded input line on stdout: {"line": <1-based>, "equal": true|false, "gold": "<normalised>", "extracted": "<normalised prediction>"} ("" when nothing was found), plus "unknown": "<why>" when a grading bound stopped the comparison (then "equal" is false); the summary goes to stderr',
  ),
});

const HELP = `Usage: steplens grade <file.jsonl> [options]

Grades predicted answers against gold answers. Each line of the file is a JSON object; both fields
are read the same way: the last \\boxed{…}, else an "Answer:" / "The answer is …" line, else the
whole (short) value, with $…$, \\text{}, units and trailing punctuation dropped. So a gold written
as "$\\frac12$" or "\\boxed{7}" reads as its content, and a prediction may be a whole solution.
Equivalence covers numbers (separators, comma decimals, fractions, mixed numbers, percentages,
scientific notation), \\sqrt and \\pi, algebraic expressions (numerically), intervals, sets, tuples,
equations, degrees, text and multiple-choice letters (see docs/grading.md).

Options:
${optionsHelp(OPTIONS)}

A line that is not JSON, not an object, or lacks a field (or has one that is not a string or a
number) is reported on stderr as file:line: … and skipped.

Exit codes: 0 every line was graded; 1 some lines were skipped, or the file cannot be read;
2 usage error.

Examples:
  steplens grade results.jsonl
  steplens grade results.jsonl --gold-field answer --pred-field response --json > graded.jsonl`;

/** The value at `field` (an own key first, else a dotted path). */
function fieldValue(obj: Record<string, unknown>, field: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, field)) return obj[field];
  if (!field.includes(".")) return undefined;
  let v: unknown = obj;
  for (const key of field.split(".")) {
    if (typeof v !== "object" || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function answerText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

/** Longest stretch of grading between two yields to the event loop (signals are handled there). */
const SLICE_MS = 20;

export interface GradeLine extends GradedPair {
  line: number;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length) throw new UsageError(positionals.length ? "give one file." : "no file: steplens grade <file.jsonl>.");
  const { "gold-field": goldField, "pred-field": predField, json } = values;
  let graded = 0;
  let equal = 0;
  let noAnswer = 0;
  let skipped = 0;
  let unknown = 0;
  const report = (line: number, message: string) => {
    skipped++;
    io.stderr.write(`${safeText(file)}:${line}: ${message}\n`);
  };
  const lines = readJsonlLines(file, { signal: io.signal, onTorn: (line) => report(line, "not valid JSON (a torn last line?); skipped") });
  // Grading is synchronous: every SLICE_MS the loop yields to the event loop, so SIGTERM / Ctrl-C
  // (which abort io.signal) are seen between lines, and each line's grading is bounded (src/grading/bounds.ts).
  let sliceStart = performance.now();
  for await (const l of lines) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    throwIfAborted(io.signal);
    if ("error" in l) {
      report(l.line, `${l.error}; skipped`);
      continue;
    }
    const obj = l.value;
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
      report(l.line, "not a JSON object; skipped");
      continue;
    }
    const rec = obj as Record<string, unknown>;
    const gold = answerText(fieldValue(rec, goldField));
    const pred = answerText(fieldValue(rec, predField));
    const missing = [gold === null ? goldField : null, pred === null ? predField : null].filter((x): x is string => x !== null);
    if (missing.length) {
      report(l.line, `no ${missing.map((f) => `"${safeText(f)}"`).join(" or ")} string or number; skipped`);
      continue;
    }
    const r = gradePair(gold!, pred!);
    graded++;
    if (r.equal) equal++;
    if (!r.extracted) noAnswer++;
    if (r.unknown) unknown++;
    const out: GradeLine = { line: l.line, ...r };
    if (json) io.stdout.write(JSON.stringify(out) + "\n");
    else
      io.stdout.write(
        `${String(l.line).padStart(6)}  ${r.equal ? "equal    " : r.unknown ? "unknown  " : "different"}  gold ${safeText(r.gold) || "(none)"}  ·  extracted ${safeText(r.extracted) || "(none)"}${r.unknown ? `  (${safeText(r.unknown)})` : ""}\n`,
      );
  }
  if (graded === 0 && skipped === 0)
    throw new StepLensError("the file has no lines to grade", { file, hint: 'Each line: a JSON object such as {"gold": "1/2", "pred": "… \\\\boxed{0.5}"}.' });
  const accuracy = graded ? ((100 * equal) / graded).toFixed(1) : "0.0";
  io.stderr.write(
    `graded ${graded} line${graded === 1 ? "" : "s"}: ${equal} equal, ${graded - equal} different (accuracy ${accuracy}%); ${noAnswer} without an extracted answer; ${unknown} unknown (past a grading bound, counted as different); ${skipped} skipped\n`,
  );
  return skipped ? 1 : 0;
}

export const gradeCommand: CliCommand = {
  name: "grade",
  summary: "grade predicted answers against gold answers (answer equivalence)",
  help: HELP,
  run,
};
