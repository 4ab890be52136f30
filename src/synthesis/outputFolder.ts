/**
 * A synthesis output folder on disk: the manifest (read, checked against the settings, written
 * atomically) and what a resumed run needs from the record files (recovered with torn last lines cut
 * off): the ids already written, the solutions still waiting for labels with their verifications,
 * and the failures not yet redone. Only the unfinished records are kept in memory, so resuming a
 * large folder costs a scan, not its size in memory. No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { recoverJsonl } from "../core/appendOnlyJsonl";
import { StepLensError } from "../core/errors";
import { readFileSafe, writeFileAtomic } from "../core/safeFs";
import { FILES, MANIFEST_FORMAT, type FailureRecord, type Manifest, type SolutionRecord, type SynthesisSettings, type VerificationRecord } from "./records";

export interface FolderState {
  solutions: Set<string>;
  verifications: Set<string>;
  labels: Set<string>;
  /** Solutions without a label yet (a resumed run verifies or labels them). */
  pendingSolutions: Map<string, SolutionRecord>;
  /** Verifications of those solutions, by solution id. */
  pendingVerifications: Map<string, VerificationRecord[]>;
  /** Failed targets (a failure line, no record), by target id. */
  failed: Map<string, FailureRecord>;
  /** Bytes of torn last lines cut off, per file. */
  torn: Record<string, number>;
  /** Ids found twice in a record file (never expected). */
  duplicates: string[];
}

export function emptyState(): FolderState {
  return {
    solutions: new Set(),
    verifications: new Set(),
    labels: new Set(),
    pendingSolutions: new Map(),
    pendingVerifications: new Map(),
    failed: new Map(),
    torn: {},
    duplicates: [],
  };
}

export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, FILES.manifest);
  const text = readFileSafe(file, dir);
  if (text === null) return null;
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new StepLensError(`manifest.json is not valid JSON (${(e as Error).message})`, { file, hint: "Restore it, or start over in another --out folder." });
  }
  if (m?.format !== MANIFEST_FORMAT) throw new StepLensError("manifest.json is not a StepLens synthesis manifest", { file, hint: "Use another --out folder." });
  return m;
}

export function writeManifest(dir: string, m: Manifest): void {
  writeFileAtomic(path.join(dir, FILES.manifest), dir, JSON.stringify(m, null, 2) + "\n");
}

/** Settings that differ between a folder's manifest and this run, as `key: old → new` lines. */
export function settingsDiff(saved: SynthesisSettings, now: SynthesisSettings): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]) as Set<keyof SynthesisSettings>;
  const out: string[] = [];
  for (const k of keys) {
    const a = JSON.stringify(saved[k] ?? null);
    const b = JSON.stringify(now[k] ?? null);
    if (a !== b) out.push(`${k}: ${a} → ${b}`);
  }
  return out;
}

/** True when any record file exists in `dir`. */
export function hasRecordFiles(dir: string): boolean {
  return [FILES.solutions, FILES.verifications, FILES.labels, FILES.failures].some((f) => fs.existsSync(path.join(dir, f)));
}

/** Scans the record files of `dir` (repairing torn tails) into what a resumed run needs. */
export async function recoverState(dir: string, signal?: AbortSignal): Promise<FolderState> {
  const s = emptyState();
  const file = (name: string) => path.join(dir, name);
  const labels = await recoverJsonl(file(FILES.labels), dir, { signal });
  s.labels = labels.ids;
  const solutions = await recoverJsonl(file(FILES.solutions), dir, {
    signal,
    onRecord: (r) => {
      const rec = r as unknown as SolutionRecord;
      if (!s.labels.has(rec.id)) s.pendingSolutions.set(rec.id, rec);
    },
  });
  s.solutions = solutions.ids;
  const verifications = await recoverJsonl(file(FILES.verifications), dir, {
    signal,
    onRecord: (r) => {
      const rec = r as unknown as VerificationRecord;
      if (!s.pendingSolutions.has(rec.solutionId)) return;
      const list = s.pendingVerifications.get(rec.solutionId) ?? [];
      list.push(rec);
      s.pendingVerifications.set(rec.solutionId, list);
    },
  });
  s.verifications = verifications.ids;
  const failures = await recoverJsonl(file(FILES.failures), dir, {
    signal,
    onRecord: (r) => {
      const f = r as unknown as FailureRecord;
      const present = f.stage === "solution" ? s.solutions : f.stage === "verification" ? s.verifications : s.labels;
      if (typeof f.target === "string" && !present.has(f.target)) s.failed.set(f.target, f);
    },
  });
  s.torn = {
    [FILES.labels]: labels.tornBytes,
    [FILES.solutions]: solutions.tornBytes,
    [FILES.verifications]: verifications.tornBytes,
    [FILES.failures]: failures.tornBytes,
  };
  s.duplicates = [...labels.duplicates, ...solutions.duplicates, ...verifications.duplicates];
  return s;
}
