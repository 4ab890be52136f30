/**
 * Finding and reading the ProcessBench subsets: `--data` is a folder holding
 * gsm8k/math/olympiadbench/omnimath `.json` (or `.jsonl`) files, or one such file (its name, without
 * the extension, is the subset). Records are read with the shared streaming reader; a bad record is
 * reported and skipped. `--limit n` takes a seeded sample of n per subset that keeps both classes.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { statInput } from "../core/inputPath";
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
  const stat = statInput(dataPath, "Give --data the ProcessBench folder (gsm8k.json, math.json, …) or one of its files.");
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

/**
 * Which items `--limit n` keeps of one subset: a seeded sample of n that keeps both classes
 * (ProcessBench lists the items with errors first, so the first n alone would leave acc_correct and
 * F1 undefined). The classes are sampled in proportion, at least one of each when n ≥ 2 and the
 * subset has both; within a class, the items with the smallest sha256(seed:id) are taken. The items
 * come back in file order.
 */
export function sampleBothClasses<T extends { id: string; label: number }>(items: readonly T[], n: number, seed = 0): T[] {
  if (items.length <= n) return [...items];
  const errors = items.filter((i) => i.label !== -1);
  const corrects = items.filter((i) => i.label === -1);
  let kCorrect = Math.round((n * corrects.length) / items.length);
  if (n >= 2 && errors.length && corrects.length) kCorrect = Math.min(n - 1, Math.max(1, kCorrect));
  kCorrect = Math.min(kCorrect, corrects.length);
  const kError = Math.min(n - kCorrect, errors.length);
  kCorrect = Math.min(n - kError, corrects.length);
  const key = (i: T) => crypto.createHash("sha256").update(`${seed}:${i.id}`).digest().readUInt32BE(0);
  const pick = (list: T[], k: number) => [...list].sort((a, b) => key(a) - key(b) || (a.id < b.id ? -1 : 1)).slice(0, k);
  const keep = new Set<T>([...pick(errors, kError), ...pick(corrects, kCorrect)]);
  return items.filter((i) => keep.has(i));
}

/** Streams every labelled item of the files; with `limit`, a seeded sample of each subset that keeps both classes (sampleBothClasses). */
export async function* readProcessBench(
  files: readonly SubsetFile[],
  opts: { limit?: number; seed?: number; signal?: AbortSignal; onBadRecord?: (bad: BadRecord) => void } = {},
): AsyncGenerator<BenchItem> {
  for (const { subset, file } of files) {
    const items: BenchItem[] = [];
    for await (const r of readTraces(file, { format: "processbench", signal: opts.signal })) {
      if (!r.ok) {
        opts.onBadRecord?.({ subset, message: r.error.format() });
        continue;
      }
      const labels = r.trace.labels;
      if (!labels) {
        opts.onBadRecord?.({ subset, message: `${file}: record ${r.record} has no label; skipped` });
        continue;
      }
      const item: BenchItem = { id: r.trace.source.id ?? `${subset}-${r.record}`, subset, label: labels.firstError, trace: r.trace };
      if (opts.limit === undefined) yield item;
      else items.push(item); // a subset holds at most a few thousand items
    }
    if (opts.limit !== undefined) yield* sampleBothClasses(items, opts.limit, opts.seed);
  }
}
