/**
 * `synthesize merge`: joins the folders of the shards of one run (`--shard i/n`, one per machine)
 * into one folder, after checking that they belong together (same settings but the shard), that
 * every shard 0 … n−1 is there exactly once and finished, and that no record id appears in two of
 * them. The shard folders are only read. The merged folder is locked while it is written and gets a
 * manifest naming the shards it came from. No `vscode` import.
 */
import path from "node:path";
import { AppendOnlyJsonl, scanJsonl } from "../core/appendOnlyJsonl";
import { StepLensError, throwIfAborted } from "../core/errors";
import { acquireFolderLock } from "../core/folderLock";
import { ensureDir } from "../core/safeFs";
import { WHOLE } from "./ids";
import { hasRecordFiles, readManifest, settingsDiff, writeManifest } from "./outputFolder";
import { emptyCounts, FILES, type Counts, type Manifest } from "./records";

export interface MergeOptions {
  dirs: string[];
  outDir: string;
  version: string;
  signal?: AbortSignal;
  command?: string;
}

export interface MergeSummary {
  outDir: string;
  shards: number;
  counts: Counts;
}

const RECORD_FILES = [FILES.solutions, FILES.verifications, FILES.labels, FILES.failures] as const;

export async function mergeShards(o: MergeOptions): Promise<MergeSummary> {
  const outDir = path.resolve(o.outDir);
  const shards: { dir: string; m: Manifest }[] = [];
  for (const d of o.dirs) {
    const dir = path.resolve(d);
    if (dir === outDir) throw new StepLensError(`--out ${outDir} is one of the shard folders`, { hint: "Merge into a new folder." });
    const m = readManifest(dir);
    if (!m) throw new StepLensError(`${dir} is not a synthesis folder (no manifest.json)`, { hint: "Give the --out folders of the shard runs." });
    shards.push({ dir, m });
  }
  const [head] = shards; // one shard per folder given
  if (!head) throw new StepLensError("no shard folders to merge", { hint: "steplens synthesize merge DIR… --out DIR" });
  const first = head.m;
  const count = first.settings.shard.count;
  const seen = new Map<number, string>();
  for (const { dir, m } of shards) {
    const diff = settingsDiff({ ...first.settings, shard: WHOLE }, { ...m.settings, shard: WHOLE });
    if (diff.length)
      throw new StepLensError(`${dir} was run with other settings than ${head.dir} (${diff.join("; ")})`, { hint: "Merge only the shards of one run." });
    if (m.settings.shard.count !== count)
      throw new StepLensError(`${dir} is shard ${m.settings.shard.index}/${m.settings.shard.count}, the others are of ${count}`, {
        hint: "Merge only the shards of one run.",
      });
    const other = seen.get(m.settings.shard.index);
    if (other)
      throw new StepLensError(`shard ${m.settings.shard.index}/${count} is given twice: ${other} and ${dir}`, { hint: "Give each shard folder once." });
    seen.set(m.settings.shard.index, dir);
    if (m.status !== "complete")
      throw new StepLensError(
        `${dir} (shard ${m.settings.shard.index}/${count}) is not finished (${m.status}; ${m.counts.failed.solution + m.counts.failed.verification + m.counts.failed.label} failed)`,
        {
          hint: "Finish it first: rerun its command with --resume (or --retry-failed for failures), then merge.",
        },
      );
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length)
    throw new StepLensError(`shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing`, {
      hint: "Give every shard folder of the run.",
    });

  // Overlap check first (ids only), so a refused merge writes nothing.
  for (const name of RECORD_FILES) {
    const owner = new Map<string, string>();
    for (const { dir } of shards) {
      throwIfAborted(o.signal);
      const r = await scanJsonl(path.join(dir, name), { signal: o.signal });
      for (const id of r.ids) {
        const prev = owner.get(id);
        if (prev)
          throw new StepLensError(`record ${id} of ${name} is in two shards: ${prev} and ${dir}`, {
            hint: "These folders overlap; were they run with the same --shard or different problem files?",
          });
        owner.set(id, dir);
      }
    }
  }

  ensureDir(outDir, outDir);
  const lock = acquireFolderLock(outDir, { command: o.command });
  try {
    if (readManifest(outDir) || hasRecordFiles(outDir))
      throw new StepLensError(`${outDir} already holds synthesis records`, { hint: "Merge into a new, empty folder." });
    const counts: Counts = emptyCounts();
    for (const name of RECORD_FILES) {
      const w = new AppendOnlyJsonl(path.join(outDir, name), outDir, { fsync: "never" });
      try {
        for (const { dir } of [...shards].sort((a, b) => a.m.settings.shard.index - b.m.settings.shard.index))
          await scanJsonl(path.join(dir, name), { signal: o.signal, onRecord: (r) => w.append(r) });
        w.sync();
      } finally {
        w.close();
      }
    }
    for (const { m } of shards) {
      counts.problems += m.counts.problems;
      counts.skippedProblems = Math.max(counts.skippedProblems, m.counts.skippedProblems);
      counts.solutions += m.counts.solutions;
      counts.verifications += m.counts.verifications;
      counts.labels += m.counts.labels;
    }
    const now = new Date().toISOString();
    const manifest: Manifest = {
      ...first,
      steplensVersion: o.version,
      created: now,
      updated: now,
      status: "complete",
      settings: { ...first.settings, shard: WHOLE },
      models: {
        generator: [...new Set(shards.flatMap((s) => s.m.models.generator))],
        verifier: [...new Set(shards.flatMap((s) => s.m.models.verifier))],
      },
      counts,
      runs: [],
      mergedFrom: shards.map((s) => ({ dir: s.dir, shard: s.m.settings.shard })).sort((a, b) => a.shard.index - b.shard.index),
    };
    writeManifest(outDir, manifest);
    return { outDir, shards: shards.length, counts };
  } finally {
    lock.release();
  }
}
