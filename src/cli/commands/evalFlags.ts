/**
 * The flags of `steplens eval processbench` (its help is in src/cli/commands/eval.ts) and what the
 * two modes share: the predictions mode (src/cli/commands/evalPredictions.ts) and the model mode
 * (src/cli/commands/evalModel.ts).
 */
import type { parseArgs } from "node:util";
import { VERIFY_FLAG_OPTIONS } from "./verify";

export const EVAL_FLAG_OPTIONS = {
  ...VERIFY_FLAG_OPTIONS,
  data: { type: "string" },
  subset: { type: "string" },
  limit: { type: "string" },
  scorer: { type: "string" },
  threshold: { type: "string" },
  "tune-threshold": { type: "string" },
  predictions: { type: "string" },
  out: { type: "string" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
  prm: { type: "string" },
  "critic-index": { type: "string" },
  "critic-vote": { type: "string" },
} as const;

/** The parsed flag values; `data` is filled in (downloaded) before a mode runs. */
export type EvalFlags = ReturnType<typeof parseArgs<{ options: typeof EVAL_FLAG_OPTIONS; allowPositionals: true; strict: true }>>["values"] & { data: string };

/** What both modes take from the command line besides the flags. */
export interface EvalRun {
  /** The subsets asked for (undefined: all). */
  subsets: string[] | undefined;
  /** Items per subset (--limit). */
  limit: number | undefined;
  json: boolean;
}
