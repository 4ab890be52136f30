/**
 * `steplens export` without the CLI: reads the input (a synthesis folder, a dataset, or scored JSONL
 * joined with its dataset), applies human labels, selects (drop-unanimous, balance), splits, builds
 * the format's rows and writes them. Output files are written whole or not at all: each goes to a
 * temporary file next to it and is renamed over the target at the end (src/core/safeFs.ts: never
 * through a symlink, never outside the output's folder). No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError, throwIfAborted } from "../core/errors";
import { writeJsonlFile } from "../core/jsonlFile";
import { writeFileAtomic } from "../core/safeFs";
import type { FormatChoice } from "../formats/detect";
import type { JsonlFieldNames } from "../formats/jsonl";
import { datasetSolutions } from "./datasetSolutions";
import { type ExportSolution, groupByProblem, isLabelled, outcomeOf } from "./exportModel";
import type { ExportFormat, Row } from "./formats";
import type { VerlRow } from "./formats/verl";
import { checkExportTargets } from "./outputGuard";
import { type HumanLabelSet, readHumanLabels, withHumanLabels } from "./humanLabels";
import { verlParquet } from "./parquetRows";
import { type SplitName, selectSolutions, splitOf, type SelectionStats } from "./selection";
import { looksLikeScores, scoredSolutions } from "./scoredSolutions";
import { synthesisNoLabelsReason } from "./synthesisNoLabels";
import { isSynthesisFolder, synthesisSolutions } from "./synthesisSolutions";

export type InputKind = "synthesis" | "dataset" | "scores";

export interface ExportOptions {
  /** A synthesis folder, a dataset file, or scored JSONL (then `dataset` is required). */
  input: string;
  /** The dataset scored JSONL was computed on. */
  dataset?: string;
  format: ExportFormat;
  out: string;
  /** A `.steplens/labels.jsonl` whose human labels override the input's. */
  labels?: string;
  /** Replace an existing output that is not an export of this format (never an input, a run folder's file or `.steplens/`). */
  force?: boolean;
  balance?: boolean;
  dropUnanimous?: boolean;
  /** Fraction of problems in the train file (0 < r < 1); without it one file. */
  splitRatio?: number;
  seed?: number;
  /** RL prompt instruction (verl formats; DEFAULT_RL_INSTRUCTION in ./formats/verl.ts); "" for none. */
  instruction: string;
  /** How dataset files are read (as `steplens score` reads them); `strict` refuses records with invalid UTF-8, `onWarning` hears of them otherwise. */
  read?: { format?: FormatChoice; fields?: JsonlFieldNames; stepTag?: string; strict?: boolean; onWarning?: (w: StepLensError) => void };
  /** Written in parquet metadata. */
  createdBy?: string;
  signal?: AbortSignal;
  /** Bad records and lines (file:line), reported and skipped. */
  onProblem?: (e: StepLensError) => void;
}

export interface ExportedFile {
  file: string;
  split: SplitName | null;
  rows: number;
  /** False for a parquet file with no row: it is not written (a parquet file without row groups is not read back by every reader). */
  written: boolean;
}

export interface ExportSummary {
  input: InputKind;
  format: string;
  solutions: number;
  problems: number;
  /** Solutions by outcome after human labels: correct / incorrect / unknown. */
  outcomes: { correct: number; incorrect: number; unknown: number };
  humanLabelled: number;
  selection: SelectionStats;
  /** Solutions (or problems) that gave no row, by reason. */
  skipped: Record<string, number>;
  rows: number;
  files: ExportedFile[];
  /** Problems found while reading (also passed to onProblem). */
  problemsReported: number;
}

/** What kind of input `input` is (a folder must be a synthesis folder). */
export async function inputKind(input: string): Promise<InputKind> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(input);
  } catch {
    throw new StepLensError("no such file or folder.", {
      file: input,
      hint: "Give a synthesis folder, a dataset file or scored JSONL (`steplens score --json` output).",
      code: "ENOENT",
    });
  }
  if (stat.isDirectory()) {
    if (!isSynthesisFolder(input))
      throw new StepLensError("this folder is not a synthesis folder (no manifest.json or solutions.jsonl).", {
        file: input,
        hint: "Give the --out folder of `steplens synthesize`, or a dataset file.",
        code: "not-synthesis",
      });
    return "synthesis";
  }
  return (await looksLikeScores(input)) ? "scores" : "dataset";
}

/** The train and test file names of `out`: "prm.jsonl" → "prm.train.jsonl", "prm.test.jsonl". */
export function splitFiles(out: string): Record<SplitName, string> {
  const ext = path.extname(out);
  const stem = ext ? out.slice(0, -ext.length) : out;
  return { train: `${stem}.train${ext}`, test: `${stem}.test${ext}` };
}

function source(opts: ExportOptions, kind: InputKind, onProblem: (e: StepLensError) => void): AsyncGenerator<ExportSolution> {
  const read = { ...opts.read, signal: opts.signal, onProblem };
  if (kind === "synthesis") return synthesisSolutions(opts.input, { ...read, withVerifications: opts.format.name === "prm-cot-sft" });
  if (kind === "scores") {
    if (!opts.dataset)
      throw new StepLensError("scored JSONL has no step texts: name the dataset it was computed on with --dataset FILE.", {
        file: opts.input,
        code: "needs-dataset",
      });
    return scoredSolutions(opts.input, opts.dataset, read);
  }
  return datasetSolutions(opts.input, read);
}

function writeFile(file: string, format: ExportFormat, rows: readonly Row[], createdBy: string): void {
  // Atomic (temp + fsync + rename), never through a link: src/core/safeFs.ts, src/core/jsonlFile.ts.
  const abs = path.resolve(file);
  if (format.container === "parquet") writeFileAtomic(abs, path.dirname(abs), verlParquet(rows as VerlRow[], createdBy));
  else writeJsonlFile(abs, path.dirname(abs), rows, { chunkChars: 1 << 20 });
}

export async function runExport(opts: ExportOptions): Promise<ExportSummary> {
  let problemsReported = 0;
  const onProblem = (e: StepLensError) => {
    problemsReported++;
    opts.onProblem?.(e);
  };
  const kind = await inputKind(opts.input);
  const outAbs = path.resolve(opts.out);
  const outputs = opts.splitRatio !== undefined ? Object.values(splitFiles(outAbs)) : [outAbs];
  for (const target of outputs) {
    if (fs.existsSync(target) && fs.statSync(target).isDirectory())
      throw new StepLensError("the output is a folder.", {
        file: target,
        hint: `Give a file name, e.g. ${path.join(opts.out, `export${opts.format.extension}`)}.`,
        code: "EISDIR",
      });
  }
  checkExportTargets(outputs, opts);
  const human: HumanLabelSet | null = opts.labels ? readHumanLabels(opts.labels) : null;
  for (const p of human?.problems ?? []) onProblem(p);

  const solutions: ExportSolution[] = [];
  let humanLabelled = 0;
  for await (const s0 of source(opts, kind, onProblem)) {
    throwIfAborted(opts.signal);
    const s = human ? withHumanLabels(s0, human) : s0;
    if (s !== s0) humanLabelled++;
    solutions.push(s);
  }
  if (opts.format.needsLabels && solutions.length && !solutions.some(isLabelled) && kind === "synthesis" && !human) {
    const why = await synthesisNoLabelsReason(opts.input, opts.signal);
    throw new StepLensError(`no solution in the synthesis folder has a usable step label, and ${opts.format.name} needs them: ${why.reason}.`, {
      file: opts.input,
      hint: why.hint,
      code: "no-labels",
    });
  }
  if (opts.format.needsLabels && solutions.length && !solutions.some(isLabelled))
    throw new StepLensError(`no solution in the input has step labels, and ${opts.format.name} needs them.`, {
      file: opts.input,
      hint:
        kind === "dataset"
          ? "Export a labelled dataset, scored JSONL with --dataset, a synthesis folder, or add --labels .steplens/labels.jsonl."
          : "Wait until the synthesis has labelled solutions (labels.jsonl), or add --labels.",
      code: "no-labels",
    });

  const outcomes = { correct: 0, incorrect: 0, unknown: 0 };
  for (const s of solutions) {
    const o = outcomeOf(s);
    if (o === true) outcomes.correct++;
    else if (o === false) outcomes.incorrect++;
    else outcomes.unknown++;
  }
  const groups = groupByProblem(solutions);
  const { groups: selected, stats } = selectSolutions(groups, { balance: opts.balance, dropUnanimous: opts.dropUnanimous, seed: opts.seed });

  const bySplit = new Map<SplitName | null, Row[]>();
  const skipped: Record<string, number> = {};
  const counters = new Map<SplitName | null, number>();
  for (const g of selected) {
    const split = opts.splitRatio !== undefined ? splitOf(g.problemId, opts.splitRatio, opts.seed) : null;
    const problemIndex = counters.get(split) ?? 0;
    counters.set(split, problemIndex + 1);
    const list = bySplit.get(split) ?? [];
    for (const r of opts.format.rows(g, { split, problemIndex, instruction: opts.instruction })) {
      if ("row" in r) list.push(r.row);
      else skipped[r.skip] = (skipped[r.skip] ?? 0) + 1;
    }
    bySplit.set(split, list);
  }

  const createdBy = opts.createdBy ?? "steplens";
  const files: ExportedFile[] = [];
  const targets: [SplitName | null, string][] =
    opts.splitRatio !== undefined ? (Object.entries(splitFiles(opts.out)) as [SplitName, string][]) : [[null, opts.out]];
  for (const [split, file] of targets) {
    throwIfAborted(opts.signal);
    const rows = bySplit.get(split) ?? [];
    const written = rows.length > 0 || opts.format.container !== "parquet";
    if (written) {
      checkExportTargets([file], opts); // again: the export took a while, and a file may have appeared since
      writeFile(file, opts.format, rows, createdBy);
    }
    files.push({ file, split, rows: rows.length, written });
  }
  return {
    input: kind,
    format: opts.format.name,
    solutions: solutions.length,
    problems: groups.length,
    outcomes,
    humanLabelled,
    selection: stats,
    skipped,
    rows: files.reduce((n, f) => n + f.rows, 0),
    files,
    problemsReported,
  };
}
