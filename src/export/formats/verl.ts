/**
 * `verl-jsonl` / `verl-parquet`: RL prompt data as verl's RLHF dataset reads it (`data.prompt_key`
 * `prompt`, `data.reward_fn_key` `data_source`), one row per problem:
 *
 *   {"data_source": str, "prompt": [{"role": "user", "content": str}], "ability": "math",
 *    "reward_model": {"style": "rule" | "model", "ground_truth": str},
 *    "extra_info": {"split": str, "index": int, "problem_id": str, "ground_truth_source": str,
 *                   "problem": str}}
 *
 * - `prompt`: the problem, then (unless `--instruction ""`) an instruction that asks for numbered
 *   steps and the final answer in `\boxed{}` inside `<answer>…</answer>`: the layout SPARK's RL format
 *   gate accepts (exactly one `\boxed{}`, one `<answer>` block, nothing after `</answer>`).
 * - `reward_model`: with a reference answer in the input, style "rule" and that answer
 *   (`ground_truth_source` "reference"); without one (SPARK's reference-free setting) style "model"
 *   (the reward comes from a PRM) and, as a hint only, the majority final answer of the solutions the
 *   labels call correct (`"verifier-majority"`), or "" (`"none"`).
 * - `extra_info.split`: the --split-ratio split, else "train"; `extra_info.problem`: the problem text
 *   alone (no instruction): verl hands the reward function `extra_info`, not the prompt, and the
 *   generated reward.py sends this text to the reward server as the problem.
 * Rows need no labels: every problem with at least one solution gives one. No `vscode` import.
 */
import { majorityAnswer } from "../../grading";
import { type ProblemGroup, outcomeOf } from "../exportModel";
import type { ExportFormat, Row, RowContext } from "./exportFormat";

export const DEFAULT_RL_INSTRUCTION =
  'Solve the problem step by step, starting each step with "Step k:". Then give the final answer within \\boxed{} inside <answer></answer>, and write nothing after </answer>.';

export interface VerlRow extends Row {
  data_source: string;
  prompt: { role: string; content: string }[];
  ability: string;
  reward_model: { style: "rule" | "model"; ground_truth: string };
  extra_info: { split: string; index: number; problem_id: string; ground_truth_source: "reference" | "verifier-majority" | "none"; problem: string };
}

/** The top-level fields of a verl row (also the parquet file's top-level columns). */
export const VERL_ROW_KEYS = ["data_source", "prompt", "ability", "reward_model", "extra_info"] as const;

export function verlRow(group: ProblemGroup, ctx: RowContext): VerlRow {
  const first = group.solutions[0];
  const reference = group.solutions.map((s) => s.reference).find((r): r is string => typeof r === "string" && r.trim() !== "") ?? null;
  let style: "rule" | "model" = "model";
  let truth = "";
  let source: VerlRow["extra_info"]["ground_truth_source"] = "none";
  if (reference !== null) {
    style = "rule";
    truth = reference.trim();
    source = "reference";
  } else {
    const majority = majorityAnswer(group.solutions.filter((s) => outcomeOf(s) === true).map((s) => s.finalAnswer));
    if (majority) {
      truth = majority.value;
      source = "verifier-majority";
    }
  }
  const content = ctx.instruction ? `${group.problem.trim()}\n\n${ctx.instruction}` : group.problem.trim();
  return {
    data_source: first?.dataSource ?? "steplens",
    prompt: [{ role: "user", content }],
    ability: "math",
    reward_model: { style, ground_truth: truth },
    extra_info: {
      split: ctx.split ?? "train",
      index: ctx.problemIndex,
      problem_id: group.problemId,
      ground_truth_source: source,
      problem: group.problem.trim(),
    },
  };
}

export const verlJsonlFormat: ExportFormat = {
  name: "verl-jsonl",
  summary: "verl RL prompts as JSONL {data_source, prompt, ability, reward_model, extra_info}",
  container: "jsonl",
  rowKeys: VERL_ROW_KEYS,
  extension: ".jsonl",
  needsLabels: false,
  rows: (group, ctx) => [{ row: verlRow(group, ctx) }],
};

export const verlParquetFormat: ExportFormat = {
  ...verlJsonlFormat,
  name: "verl-parquet",
  summary: "verl RL prompts as parquet (pandas / pyarrow / datasets read it)",
  container: "parquet",
  rowKeys: VERL_ROW_KEYS,
  extension: ".parquet",
};
