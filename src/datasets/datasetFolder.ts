/**
 * A folder of dataset files opened as one (ProcessBench ships four subsets: gsm8k.json, math.json,
 * olympiadbench.json, omnimath.json): the dataset files directly inside it, ProcessBench's subsets
 * first in the benchmark's order, then the rest by name. Only regular files (no links, no
 * sub-folders); a synthesis run folder is not this (it opens as a synthesis dataset). No `vscode`
 * import.
 */
import fs from "node:fs";
import path from "node:path";

const DATASET_EXTENSIONS = /\.(json|jsonl|ndjson)$/i;
const SUBSET_ORDER = ["gsm8k", "math", "olympiadbench", "omnimath"];

/** The dataset files of `dir` (absolute paths), in the order they are opened. */
export function datasetFilesIn(dir: string): string[] {
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith(".") && DATASET_EXTENSIONS.test(e.name))
    .map((e) => e.name);
  const rank = (name: string) => {
    const i = SUBSET_ORDER.indexOf(name.replace(DATASET_EXTENSIONS, "").toLowerCase());
    return i < 0 ? SUBSET_ORDER.length : i;
  };
  return files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((f) => path.join(dir, f));
}
