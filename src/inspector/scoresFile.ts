/**
 * Step scores and predictions for the dataset dashboard, read from what `steplens eval processbench
 * --out DIR` leaves: `DIR/raw.jsonl` (`{"id", "subset", "scores": [...]}` per item for the PRM
 * scorer, `{"id", "subset", "prediction"}` for verifiers and critics) or a predictions file
 * (`{"id", "prediction"}`). A folder is read as its raw.jsonl (else its predictions.jsonl). Lines are
 * read with the shared JSONL reader; bad lines are counted and the first few reported.
 * No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { statInput } from "../core/inputPath";
import { checkPrediction, type LineProblem, readJsonlLines } from "../eval/predictions";

export interface ScoresRead {
  file: string;
  scores: Map<string, number[]>;
  predictions: Map<string, number>;
  subsets: Map<string, string>;
  problems: LineProblem[];
  bad: number;
}

/** The file to read for `target` (a folder from `eval --out`, or a JSONL file). */
export function scoresFileOf(target: string): string {
  const stat = statInput(target, "Choose the folder `steplens eval processbench --out` wrote, or its raw.jsonl / predictions.jsonl.");
  if (!stat.isDirectory()) return target;
  for (const name of ["raw.jsonl", "predictions.jsonl"]) {
    const file = path.join(target, name);
    if (fs.existsSync(file)) return file;
  }
  throw new StepLensError("this folder has no raw.jsonl or predictions.jsonl", {
    file: target,
    hint: "Choose the folder `steplens eval processbench --out` wrote.",
  });
}

export async function readScoresFile(target: string, opts: { signal?: AbortSignal } = {}): Promise<ScoresRead> {
  const file = scoresFileOf(target);
  const out: ScoresRead = { file, scores: new Map(), predictions: new Map(), subsets: new Map(), problems: [], bad: 0 };
  const problem = (line: number, message: string) => {
    out.bad++;
    if (out.problems.length < 20) out.problems.push({ line, message });
  };
  for await (const l of readJsonlLines(file, { signal: opts.signal })) {
    if ("error" in l) {
      problem(l.line, l.error);
      continue;
    }
    const v = l.value as Record<string, unknown>;
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      problem(l.line, 'not an object; expected {"id", "scores": [...]} or {"id", "prediction"}');
      continue;
    }
    const id = typeof v.id === "number" ? String(v.id) : v.id;
    if (typeof id !== "string" || !id) {
      problem(l.line, 'no "id" string');
      continue;
    }
    if (typeof v.subset === "string" && v.subset) out.subsets.set(id, v.subset);
    if (Array.isArray(v.scores)) {
      if (!v.scores.every((s) => typeof s === "number" && Number.isFinite(s))) {
        problem(l.line, '"scores" must be a list of numbers');
        continue;
      }
      out.scores.set(id, v.scores as number[]);
      continue;
    }
    if (v.prediction === null) continue; // a verifier that decided nothing: no prediction
    const bad = checkPrediction(v.prediction);
    if (bad) {
      problem(l.line, bad);
      continue;
    }
    out.predictions.set(id, v.prediction as number);
  }
  return out;
}

export interface ScoresMatch {
  /** Records of the file (with step scores or a prediction) and of the dataset. */
  inFile: number;
  datasetName: string;
  datasetSize: number;
  /** File records whose id the dataset holds, split by what they carry. */
  matchedScores: number;
  matchedPredictions: number;
  /** File records whose id the dataset does not hold: how many, the first few ids, and their subsets (from raw.jsonl). */
  unmatched: number;
  unmatchedIds: string[];
  unmatchedSubsets: string[];
  bad: number;
}

/** How the records of `read` match the dataset whose ids `has` knows (by id, as the dashboard joins them). */
export function matchScores(read: ScoresRead, has: (id: string) => boolean, dataset: { name: string; size: number }): ScoresMatch {
  const m: ScoresMatch = {
    inFile: 0,
    datasetName: dataset.name,
    datasetSize: dataset.size,
    matchedScores: 0,
    matchedPredictions: 0,
    unmatched: 0,
    unmatchedIds: [],
    unmatchedSubsets: [],
    bad: read.bad,
  };
  const subsets = new Set<string>();
  const ids = new Set([...read.scores.keys(), ...read.predictions.keys()]);
  for (const id of ids) {
    m.inFile++;
    if (has(id)) {
      if (read.scores.has(id)) m.matchedScores++;
      else m.matchedPredictions++;
      continue;
    }
    m.unmatched++;
    if (m.unmatchedIds.length < 3) m.unmatchedIds.push(id);
    const subset = read.subsets.get(id);
    if (subset) subsets.add(subset);
  }
  m.unmatchedSubsets = [...subsets].sort();
  return m;
}

/**
 * The toast after "Load scores…": what was matched (by record id) and why the rest was not, e.g.
 * "Matched 400 of the 429 records in raw.jsonl to gsm8k.json by id: 400 with step scores. The other
 * 29 are not in this dataset (ids like math-0, math-1; subset math)."
 */
export function scoresMatchMessage(fileName: string, m: ScoresMatch): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (m.inFile === 0) return `${fileName} has no record with step scores or a prediction${m.bad ? ` (${plural(m.bad, "bad line")} skipped)` : ""}.`;
  const matched = m.matchedScores + m.matchedPredictions;
  const what = [m.matchedScores ? `${m.matchedScores} with step scores` : "", m.matchedPredictions ? `${m.matchedPredictions} with a prediction only` : ""]
    .filter(Boolean)
    .join(", ");
  let text =
    matched === 0
      ? `None of the ${plural(m.inFile, "record")} in ${fileName} is in ${m.datasetName} (${plural(m.datasetSize, "record")}): the ids differ`
      : `Matched ${matched} of the ${plural(m.inFile, "record")} in ${fileName} to ${m.datasetName} by id: ${what}`;
  if (m.unmatched && matched) text += `. The other ${m.unmatched} ${m.unmatched === 1 ? "is" : "are"} not in this dataset`;
  if (m.unmatched) {
    const like = `ids like ${m.unmatchedIds.join(", ")}`;
    const subsets = m.unmatchedSubsets.length ? `; subset${m.unmatchedSubsets.length === 1 ? "" : "s"} ${m.unmatchedSubsets.join(", ")}` : "";
    text += ` (${like}${subsets})`;
  }
  if (m.bad) text += `; ${plural(m.bad, "bad line")} skipped`;
  return `${text}.`;
}
