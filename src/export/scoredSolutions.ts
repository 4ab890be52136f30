/**
 * Export input from scored JSONL (`steplens score <dataset> --json`): each line gives a record's
 * per-step PRM scores (`{"id", "record", "steps": [{"index", "score", …}], "firstError", "threshold", …}`)
 * but not its text, so the scores are joined with the dataset they were computed on (`--dataset`), by
 * `id` (else by `record`). A step is labelled correct when its score is at least the line's threshold,
 * incorrect otherwise. Records without a score line are left out; score lines without a record, or
 * with a different step count, are reported and skipped. No `vscode` import.
 */
import fs from "node:fs";
import readline from "node:readline";
import { StepLensError, throwIfAborted } from "../core/errors";
import * as v from "valibot";
import { type ReadInputOptions, datasetSolutions } from "./datasetSolutions";
import type { ExportSolution } from "./exportModel";

interface ScoreLine {
  id: string | null;
  record: number | null;
  scores: number[];
  threshold: number;
  line: number;
}

/** A line of `steplens score --json` output, as far as an export reads it (other fields kept). */
const ScoreLineSchema = v.looseObject({
  id: v.optional(v.unknown()),
  record: v.optional(v.unknown()),
  threshold: v.number(),
  firstError: v.pipe(v.number(), v.integer()),
  steps: v.array(v.looseObject({ index: v.optional(v.unknown()), score: v.number() })),
});

/** Whether a parsed JSON line looks like `steplens score --json` output. */
export function isScoreLine(value: unknown): value is v.InferOutput<typeof ScoreLineSchema> {
  return !Array.isArray(value) && v.is(ScoreLineSchema, value);
}

/** True when the first non-blank line of `file` is a score line. */
export async function looksLikeScores(file: string): Promise<boolean> {
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: "utf8", end: 1 << 20 }), crlfDelay: Infinity });
  try {
    for await (const raw of rl) {
      if (!raw.trim()) continue;
      try {
        return isScoreLine(JSON.parse(raw));
      } catch {
        return false;
      }
    }
    return false;
  } finally {
    rl.close();
  }
}

async function readScores(file: string, opts: ReadInputOptions): Promise<ScoreLine[]> {
  const out: ScoreLine[] = [];
  const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    throwIfAborted(opts.signal);
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      opts.onProblem?.(
        new StepLensError(`not valid JSON (${(e as Error).message}).`, {
          file,
          line,
          hint: "Each line must be one `steplens score --json` object; the line is skipped.",
          code: "bad-json",
        }),
      );
      continue;
    }
    if (!isScoreLine(value)) {
      opts.onProblem?.(
        new StepLensError("not a score line (needs steps[].score, firstError and threshold).", {
          file,
          line,
          hint: "Give the output of `steplens score <dataset> --json`; the line is skipped.",
          code: "bad-record",
        }),
      );
      continue;
    }
    const o = value;
    const scores: number[] = [];
    o.steps.forEach((s, k) => (scores[Number.isInteger(s.index) ? (s.index as number) : k] = s.score));
    out.push({
      id: typeof o.id === "string" ? o.id : typeof o.id === "number" ? String(o.id) : null,
      record: Number.isInteger(o.record) ? (o.record as number) : null,
      scores,
      threshold: o.threshold,
      line,
    });
  }
  return out;
}

/** Solutions of `dataset` labelled by the scores in `scoresFile`. */
export async function* scoredSolutions(scoresFile: string, dataset: string, opts: ReadInputOptions = {}): AsyncGenerator<ExportSolution> {
  const lines = await readScores(scoresFile, opts);
  const byId = new Map<string, ScoreLine>();
  const byRecord = new Map<number, ScoreLine>();
  for (const l of lines) {
    if (l.id !== null) byId.set(l.id, l);
    if (l.record !== null) byRecord.set(l.record, l);
  }
  const used = new Set<ScoreLine>();
  const single = lines.length === 1 ? lines[0] : undefined;
  let only: ScoreLine | undefined = single?.id === null ? single : undefined; // one scored text trace
  for await (const s of datasetSolutions(dataset, opts)) {
    const l = byId.get(s.id) ?? (s.origin.record !== undefined ? byRecord.get(s.origin.record) : undefined) ?? only;
    only = undefined;
    if (!l || used.has(l)) continue;
    used.add(l);
    if (l.scores.length !== s.steps.length) {
      opts.onProblem?.(
        new StepLensError(`the scores have ${l.scores.length} steps but record '${s.id}' of ${dataset} has ${s.steps.length}.`, {
          file: scoresFile,
          line: l.line,
          hint: "Score the same dataset with the same --format and --step-tag; the record is skipped.",
          code: "score-mismatch",
        }),
      );
      continue;
    }
    yield { ...s, labels: l.scores.map((x) => x >= l.threshold), outcomeVerdict: null, labelSource: "scores" };
  }
  for (const l of lines)
    if (!used.has(l))
      opts.onProblem?.(
        new StepLensError(`no record '${l.id ?? l.record}' in ${dataset}.`, {
          file: scoresFile,
          line: l.line,
          hint: "Give the dataset these scores were computed on (--dataset); the line is skipped.",
          code: "score-unmatched",
        }),
      );
}
