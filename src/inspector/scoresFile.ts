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
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new StepLensError("no such file or folder", {
      file: target,
      hint: "Choose the folder `steplens eval processbench --out` wrote, or its raw.jsonl / predictions.jsonl.",
    });
  }
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
