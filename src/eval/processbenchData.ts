/**
 * Finding and reading the ProcessBench subsets: `--data` is a folder holding
 * gsm8k/math/olympiadbench/omnimath `.json` (or `.jsonl`) files, or one such file (its name, without
 * the extension, is the subset). Records are read with the shared streaming reader; a bad record is
 * reported and skipped.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import type { Trace } from "../core/trace";
import { readTraces } from "../formats/records";
import type { LabeledItem } from "./processbenchMetric";
import { PROCESSBENCH_SUBSETS } from "./processbenchMetric";

export interface SubsetFile {
  subset: string;
  file: string;
}

export interface BenchItem extends LabeledItem {
  trace: Trace;
}

export interface BadRecord {
  subset: string;
  message: string;
}

export function parseSubsets(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length ? [...new Set(names)] : undefined;
}

/** The files to read, in subset order. */
export function processBenchFiles(dataPath: string, subsets?: readonly string[]): SubsetFile[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dataPath);
  } catch {
    throw new StepLensError("no such file or folder", {
      file: dataPath,
      hint: "Give --data the ProcessBench folder (gsm8k.json, math.json, …) or one of its files.",
    });
  }
  if (stat.isFile()) {
    const subset = path.basename(dataPath).replace(/\.(jsonl|json|ndjson)$/i, "");
    if (subsets && !subsets.includes(subset))
      throw new StepLensError(`the file is subset "${subset}", not ${subsets.join(", ")}`, {
        file: dataPath,
        hint: "Leave out --subset, or give --data the folder.",
      });
    return [{ subset, file: dataPath }];
  }
  const wanted = subsets ?? PROCESSBENCH_SUBSETS;
  return wanted.map((subset) => {
    for (const ext of [".json", ".jsonl"]) {
      const file = path.join(dataPath, subset + ext);
      if (fs.existsSync(file)) return { subset, file };
    }
    throw new StepLensError(`no ${subset}.json or ${subset}.jsonl in this folder`, {
      file: dataPath,
      hint: subsets ? `Check --subset (ProcessBench's subsets: ${PROCESSBENCH_SUBSETS.join(", ")}).` : "Pass --subset with the subsets this folder holds.",
    });
  });
}

/** Streams every labelled item of the files (at most `limit` per subset). */
export async function* readProcessBench(
  files: readonly SubsetFile[],
  opts: { limit?: number; signal?: AbortSignal; onBadRecord?: (bad: BadRecord) => void } = {},
): AsyncGenerator<BenchItem> {
  for (const { subset, file } of files) {
    let n = 0;
    for await (const r of readTraces(file, { format: "processbench", signal: opts.signal })) {
      if (opts.limit !== undefined && n >= opts.limit) break;
      if (!r.ok) {
        opts.onBadRecord?.({ subset, message: r.error.format() });
        continue;
      }
      const labels = r.trace.labels;
      if (!labels) {
        opts.onBadRecord?.({ subset, message: `${file}: record ${r.record} has no label; skipped` });
        continue;
      }
      n++;
      yield { id: r.trace.source.id ?? `${subset}-${r.record}`, subset, label: labels.firstError, trace: r.trace };
    }
  }
}
