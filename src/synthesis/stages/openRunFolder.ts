/**
 * Stage 1 of a synthesis run, the folder: a new run, or the one to resume with the same settings
 * (anything else is refused, naming the difference); the records already written are read back
 * (torn last lines cut off); this run's manifest is written ("running"). No `vscode` import.
 */
import os from "node:os";
import path from "node:path";
import { StepLensError } from "../../core/errors";
import { emptyState, hasRecordFiles, readManifest, recoverState, settingsDiff, writeManifest, type FolderState } from "../outputFolder";
import { emptyCounts, FILES, MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type SynthesisSettings } from "../records";
import type { SynthesisOptions } from "../synthesisOptions";

/** What stage 1 hands on: the manifest found (null for a new run), the records already there, this run's manifest. */
export interface RunFolder {
  saved: Manifest | null;
  state: FolderState;
  manifest: Manifest;
  runNo: number;
}

export async function openRunFolder(o: SynthesisOptions, outDir: string, settings: SynthesisSettings, now: () => string): Promise<RunFolder> {
  const resume = Boolean(o.resume || o.retryFailed);
  const signal = o.signal;
  const saved = readManifest(outDir);
  if (saved && !resume)
    throw new StepLensError(`${outDir} already holds a synthesis run (${saved.status})`, {
      file: path.join(outDir, FILES.manifest),
      hint: "Add --resume to continue it, or choose another --out folder.",
    });
  if (!saved && hasRecordFiles(outDir))
    throw new StepLensError(`${outDir} has synthesis record files but no manifest.json`, {
      hint: "Choose another --out folder; StepLens does not add to files it cannot match to settings.",
    });
  if (saved) {
    const diff = settingsDiff(saved.settings, settings);
    if (diff.length)
      throw new StepLensError(`${outDir} holds a run with other settings (${diff.join("; ")})`, {
        file: path.join(outDir, FILES.manifest),
        hint: "Resume with the settings it was started with (see its manifest.json), or use another --out folder.",
      });
  }
  const state: FolderState = saved ? await recoverState(outDir, signal) : emptyState();
  for (const id of state.duplicates.slice(0, 5)) o.onWarning?.(`a record id appears twice in ${outDir}: ${id} (the first is kept)`);
  const runNo = (saved?.runs.length ?? 0) + 1;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    steplensVersion: o.version,
    created: saved?.created ?? now(),
    updated: now(),
    status: "running",
    settings,
    models: o.models,
    limit: o.limit ?? null,
    counts: saved?.counts ?? emptyCounts(),
    runs: [...(saved?.runs ?? []), { run: runNo, started: now(), ended: null, status: "running", host: os.hostname(), pid: process.pid }],
  };
  writeManifest(outDir, manifest);
  return { saved, state, manifest, runNo };
}
