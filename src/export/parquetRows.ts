/**
 * verl rows as one parquet file, written with hyparquet-writer (pure JavaScript, no native code, so
 * it bundles into the CLI and runs wherever the extension runs; maintained, typed). The schema is
 * explicit, so pandas, pyarrow and `datasets` read the nested columns as lists and structs:
 *
 *   data_source  string
 *   prompt       list<struct<role: string, content: string>>   (3-level LIST: prompt.list.element)
 *   ability      string
 *   reward_model struct<style: string, ground_truth: string>
 *   extra_info   struct<split: string, index: int64, problem_id: string, ground_truth_source: string,
 *                       problem: string>
 *
 * Every field is required (never null). Snappy-compressed, one row group per 100k rows.
 * No `vscode` import.
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import type { VerlRow } from "./formats/verl";

const utf8 = (name: string) => ({ name, type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const, repetition_type: "REQUIRED" as const });

export const VERL_PARQUET_SCHEMA = [
  { name: "root", num_children: 5 },
  utf8("data_source"),
  { name: "prompt", repetition_type: "REQUIRED" as const, converted_type: "LIST" as const, num_children: 1 },
  { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
  { name: "element", repetition_type: "REQUIRED" as const, num_children: 2 },
  utf8("role"),
  utf8("content"),
  utf8("ability"),
  { name: "reward_model", repetition_type: "REQUIRED" as const, num_children: 2 },
  utf8("style"),
  utf8("ground_truth"),
  { name: "extra_info", repetition_type: "REQUIRED" as const, num_children: 5 },
  utf8("split"),
  { name: "index", type: "INT64" as const, repetition_type: "REQUIRED" as const },
  utf8("problem_id"),
  utf8("ground_truth_source"),
  utf8("problem"),
];

/** The parquet bytes of `rows` (at least one row). */
export function verlParquet(rows: readonly VerlRow[], createdBy: string): Uint8Array {
  const columnData = [
    { name: "data_source", data: rows.map((r) => r.data_source) },
    { name: "prompt", data: rows.map((r) => r.prompt.map((m) => ({ role: m.role, content: m.content }))) },
    { name: "ability", data: rows.map((r) => r.ability) },
    { name: "reward_model", data: rows.map((r) => ({ style: r.reward_model.style, ground_truth: r.reward_model.ground_truth })) },
    { name: "extra_info", data: rows.map((r) => ({ ...r.extra_info, index: BigInt(r.extra_info.index) })) },
  ];
  const buffer = parquetWriteBuffer({ columnData, schema: VERL_PARQUET_SCHEMA, rowGroupSize: 100_000, createdBy });
  return new Uint8Array(buffer);
}
