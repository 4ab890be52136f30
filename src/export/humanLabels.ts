/**
 * `--labels FILE`: the editor's human labels (`.steplens/labels.jsonl`, format in src/labels/labelFile.ts)
 * override the model's or the dataset's labels in an export. A dataset record is labelled in the editor
 * under `<dataset path relative to the workspace>#<record id>`; the workspace is the folder that holds
 * `.steplens/` (else the labels file's own folder). Bad lines are reported (file:line) and skipped.
 * No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { readFileSafe } from "../core/safeFs";
import { type HumanLabel, type LabelMap, foldLabels, parseLabelFile, traceKey } from "../labels/labelFile";
import { applyHumanLabels } from "../labels/traceLabels";
import type { ExportSolution } from "./exportModel";

export interface HumanLabelSet {
  file: string;
  /** The workspace the trace keys are relative to. */
  root: string;
  labels: LabelMap;
  problems: StepLensError[];
}

export function readHumanLabels(file: string): HumanLabelSet {
  const dir = path.dirname(path.resolve(file));
  const root = path.basename(dir) === ".steplens" ? path.dirname(dir) : dir;
  let text: string;
  try {
    // A workspace's .steplens/labels.jsonl is never read through a link (a cloned repository could ship one).
    const safe = path.basename(dir) === ".steplens" ? readFileSafe(file, root) : fs.readFileSync(file, "utf8");
    if (safe === null) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    text = safe;
  } catch (e) {
    if (e instanceof StepLensError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new StepLensError(code === "ENOENT" ? "no such labels file." : `cannot read the labels file (${(e as Error).message}).`, {
      file,
      hint: "Give the workspace's .steplens/labels.jsonl (written when you mark steps in the editor).",
      code,
    });
  }
  const parsed = parseLabelFile(text, file);
  return { file, root, labels: foldLabels(parsed.records), problems: parsed.problems };
}

/** The key a solution is labelled under in the editor. */
export function solutionKey(s: ExportSolution, root: string): string {
  return traceKey(path.resolve(s.origin.file), root, s.id);
}

/**
 * Applies the human labels to `s` (returns a new solution when any applies): explicit labels win,
 * a first-error label marks the steps before it correct (src/labels/traceLabels.ts).
 */
export function withHumanLabels(s: ExportSolution, set: HumanLabelSet): ExportSolution {
  const steps = set.labels.get(solutionKey(s, set.root));
  if (!steps || steps.size === 0) return s;
  const human = new Map<number, HumanLabel>([...steps].map(([i, l]) => [i, l.label]));
  const applied = applyHumanLabels({ kind: "per-step", steps: s.labels, firstError: s.labels.indexOf(false) }, human, s.steps.length);
  if (!applied || applied.kind !== "per-step") return s;
  // A human label changes the steps: a stated outcome verdict no longer describes them.
  return { ...s, labels: applied.steps, outcomeVerdict: null, labelSource: "human", verifications: agreeing(s, applied.steps) };
}

/** Verification texts stay PRM-CoT targets only when the labels they agreed with are unchanged. */
function agreeing(s: ExportSolution, labels: (boolean | null)[]): string[] {
  return labels.every((l, i) => l === s.labels[i]) ? s.verifications : [];
}
