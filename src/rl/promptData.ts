/**
 * The prompts of an RL run, converted to the engine's format inside the run folder:
 * - verl: `train.parquet` (verl's RLHF dataset rows, written by the export module's `verlRow` and
 *   `verlParquet`, the same as `steplens export --format verl-parquet`) plus `problems.jsonl`
 *   (problem_id → problem text), which reward.py reads: verl passes the reward function
 *   `extra_info`, not the prompt;
 * - OpenRLHF: `prompts.jsonl` rows `{"prompt", "label"}` (`--data.input_key prompt --data.label_key label`);
 * - TRL: `prompts.jsonl` rows `{"prompt": [{"role": "user", "content"}], "problem", "reference"}`
 *   (TRL hands the extra columns to the reward function).
 * Input: JSONL (or a JSON array) of objects with the problem in `prompt` / `problem` / `question`
 * and an optional answer in `reference` / `answer` / `ground_truth`. No `vscode` import here.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { writeFileAtomic } from "../core/safeFs";
import { isJsonObject } from "../core/jsonValue";
import { problemIdOf, type ExportSolution, type ProblemGroup } from "../export/exportModel";
import { DEFAULT_RL_INSTRUCTION, verlRow } from "../export/formats/verl";
import { verlParquet } from "../export/parquetRows";
import type { RlEngine } from "./rlRunSpec";

export interface PromptRecord {
  problem: string;
  reference: string | null;
}

const PROBLEM_KEYS = ["prompt", "problem", "question"];
const ANSWER_KEYS = ["reference", "answer", "ground_truth"];
/** Largest prompt file read (the prompts are held in memory once). */
const MAX_PROMPT_FILE_BYTES = 512 * 1024 * 1024;

function pick(o: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

/** The problems (and answers) of a JSONL or JSON-array file; a bad line is an error naming it. */
export function readPromptRecords(file: string): PromptRecord[] {
  const st = fs.statSync(file);
  if (st.size > MAX_PROMPT_FILE_BYTES)
    throw new StepLensError(`the prompt file is ${st.size} bytes; at most ${MAX_PROMPT_FILE_BYTES} are read.`, { file, code: "prompts-too-large" });
  const text = fs.readFileSync(file, "utf8");
  const values: Array<{ value: unknown; line: number }> = [];
  if (text.trimStart().startsWith("[")) {
    const arr = JSON.parse(text) as unknown[];
    arr.forEach((value, i) => values.push({ value, line: i + 1 }));
  } else {
    text.split(/\r?\n/).forEach((raw, i) => {
      if (!raw.trim()) return;
      try {
        values.push({ value: JSON.parse(raw), line: i + 1 });
      } catch (e) {
        throw new StepLensError(`line ${i + 1} is not JSON: ${(e as Error).message}`, {
          file,
          line: i + 1,
          code: "bad-record",
          hint: 'Each line must be a JSON object with a "prompt" (or "problem" / "question").',
        });
      }
    });
  }
  const out: PromptRecord[] = [];
  for (const { value, line } of values) {
    if (!isJsonObject(value)) throw new StepLensError(`record ${line} is not a JSON object.`, { file, line, code: "bad-record" });
    let problem = pick(value, PROBLEM_KEYS);
    if (Array.isArray(problem))
      problem = (problem as Array<{ role?: string; content?: unknown }>)
        .filter((m) => m?.role === "user")
        .map((m) => String(m.content ?? ""))
        .pop();
    if (typeof problem !== "string" || !problem.trim())
      throw new StepLensError(`record ${line} has no problem text (fields ${PROBLEM_KEYS.join(", ")}).`, { file, line, code: "bad-record" });
    const answer = pick(value, ANSWER_KEYS);
    out.push({ problem: problem.trim(), reference: answer === undefined ? null : String(answer) });
  }
  if (!out.length) throw new StepLensError("the prompt file holds no records.", { file, code: "no-prompts" });
  return out;
}

function groupOf(r: PromptRecord, index: number, dataSource: string): ProblemGroup {
  const problemId = problemIdOf(r.problem);
  const solution: ExportSolution = {
    id: `prompt-${index}`,
    problemId,
    problem: r.problem,
    steps: [],
    text: null,
    labels: [],
    outcomeVerdict: null,
    labelSource: "none",
    finalAnswer: null,
    reference: r.reference,
    verifications: [],
    origin: { file: dataSource, record: index, format: "prompts" },
    dataSource,
  };
  return { problemId, problem: r.problem, solutions: [solution] };
}

/** The engine's prompt files (name relative to the run folder → contents), written by `rl init`. */
export function promptDataFiles(
  engine: RlEngine,
  records: readonly PromptRecord[],
  dataSource: string,
  createdBy: string,
): Array<[string, string | Uint8Array]> {
  const instruction = DEFAULT_RL_INSTRUCTION;
  const withInstruction = (p: string) => `${p}\n\n${instruction}`;
  const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  if (engine === "verl") {
    const groups = records.map((r, i) => groupOf(r, i, dataSource));
    const rows = groups.map((g, i) => verlRow(g, { split: "train", problemIndex: i, instruction }));
    return [
      ["train.parquet", verlParquet(rows, createdBy)],
      ["problems.jsonl", jsonl(groups.map((g) => ({ problem_id: g.problemId, problem: g.problem })))],
    ];
  }
  if (engine === "openrlhf") return [["prompts.jsonl", jsonl(records.map((r) => ({ prompt: withInstruction(r.problem), label: r.reference ?? "" })))]];
  return [
    [
      "prompts.jsonl",
      jsonl(records.map((r) => ({ prompt: [{ role: "user", content: withInstruction(r.problem) }], problem: r.problem, reference: r.reference ?? "" }))),
    ],
  ];
}

/** Writes the engine's prompt files into `dir`; returns their names (relative to `dir`). */
export function writePromptData(engine: RlEngine, records: readonly PromptRecord[], dir: string, dataSource: string, createdBy: string): string[] {
  const files = promptDataFiles(engine, records, dataSource, createdBy);
  for (const [name, data] of files) writeFileAtomic(path.join(dir, name), dir, data);
  return files.map(([name]) => name);
}
