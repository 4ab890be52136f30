/**
 * The shape of one export format: how a problem's solutions become rows. Each format lives in its
 * own module of this folder and is listed once in ./index.ts. No `vscode` import.
 */
import type { ProblemGroup } from "../exportModel";
import type { SplitName } from "../selection";

export type Row = Record<string, unknown>;

/** A row, or why a solution (or problem) gave none. */
export type RowResult = { row: Row } | { skip: string; id: string };

export interface RowContext {
  /** The split the problem went to, null without --split-ratio. */
  split: SplitName | null;
  /** 0-based index of the problem among the exported ones (verl's extra_info.index). */
  problemIndex: number;
  /** Instruction appended to RL prompts (verl formats); "" for none. */
  instruction: string;
}

export interface ExportFormat {
  name: string;
  /** One line for --help and the editor's quick pick. */
  summary: string;
  /** How rows are stored: JSON Lines or one parquet file. */
  container: "jsonl" | "parquet";
  /** The fields of every row (top-level keys; parquet: column names): how an earlier export of this format is recognised (src/export/outputGuard.ts). */
  rowKeys: readonly string[];
  /** The file extension `--out` usually has (the split files keep the one given). */
  extension: string;
  /** Whether rows need step or outcome labels (sources without any are refused up front). */
  needsLabels: boolean;
  rows(group: ProblemGroup, ctx: RowContext): RowResult[];
}
