/**
 * Export input from a `steplens synthesize` folder (layout in docs/synthesis.md): `solutions.jsonl`
 * joined with `labels.jsonl` by solution id, and, for PRM-CoT targets, the verification texts of
 * `verifications.jsonl`. A solution without a label line yet (a run still going) is exported
 * unlabelled. The folder may be written to while it is read: a last line without its line break is
 * a record still being written and is ignored; other bad lines are reported (file:line) and skipped.
 *
 * PRM-CoT targets: the verifications of a solution whose verdicts agree with its aggregated labels
 * on every labelled step (and, when both exist, whose final verdict agrees with the outcome), the
 * label's `explanationId` first; when the labels came from a meta-critique, its merged verification.
 * Thinking is removed (src/verify/thinking.ts). Only verifications that agree are kept in memory.
 * No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { isObject } from "../formats/datasetFields";
import { splitThinking } from "../verify/thinking";
import { SYNTHESIS_FILES, isSynthesisFolder, jsonLines, type JsonRecord } from "../formats/synthesisFolder";
import { dataSourceOf, type ReadInputOptions } from "./datasetSolutions";

// Moved below the export (src/formats/synthesisFolder.ts); still exported from here.
export { SYNTHESIS_FILES, isSynthesisFolder, jsonLines };
import type { ExportSolution } from "./exportModel";

type Json = JsonRecord;

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

function labelArray(v: unknown): (boolean | null)[] | null {
  if (!Array.isArray(v)) return null;
  return v.map((x) => (x === true ? true : x === false ? false : null));
}

function verdictBool(v: unknown): boolean | null {
  return v === "yes" ? true : v === "no" ? false : null;
}

/** Whether a verification's parse agrees with the labels on every labelled step (and the outcome). */
export function parseAgrees(parse: unknown, labels: readonly (boolean | null)[], outcome: boolean | null): boolean {
  if (!isObject(parse) || parse.ok !== true || !Array.isArray(parse.steps)) return false;
  const verdicts = new Map<number, string>();
  for (const s of parse.steps) if (isObject(s) && Number.isInteger(s.index) && typeof s.verdict === "string") verdicts.set(s.index as number, s.verdict);
  if (!labels.some((l) => l !== null)) return false;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === null) continue;
    if (verdicts.get(i) !== (l ? "correct" : "incorrect")) return false;
  }
  const final = verdictBool(parse.finalVerdict);
  return final === null || outcome === null || final === outcome;
}

interface LabelLine {
  labels: (boolean | null)[];
  outcome: boolean | null;
  explanationId: string | null;
  merged: string | null;
}

export interface SynthesisReadOptions extends ReadInputOptions {
  /** Read verification texts (PRM-CoT targets); skipped otherwise, the file can be large. */
  withVerifications?: boolean;
}

/** The data-source name of a synthesis folder: its problems file's name, else the folder's. */
function folderDataSource(dir: string, manifest: Json | null): string {
  const settings = manifest && isObject(manifest.settings) ? manifest.settings : null;
  const problems = settings ? str(settings.problems) : null;
  return problems ? dataSourceOf(problems) : path.basename(path.resolve(dir)) || "steplens";
}

function readManifest(dir: string, opts: ReadInputOptions): Json | null {
  const file = path.join(dir, SYNTHESIS_FILES.manifest);
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return isObject(value) ? value : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      opts.onProblem?.(
        new StepLensError(`cannot read the manifest (${(e as Error).message}).`, { file, hint: "The records are still read.", code: "bad-manifest" }),
      );
    return null;
  }
}

/** Streams the solutions of a synthesis folder with their aggregated labels. */
export async function* synthesisSolutions(dir: string, opts: SynthesisReadOptions = {}): AsyncGenerator<ExportSolution> {
  const manifest = readManifest(dir, opts);
  const dataSource = folderDataSource(dir, manifest);
  const labels = new Map<string, LabelLine>();
  for await (const { value } of jsonLines(path.join(dir, SYNTHESIS_FILES.labels), opts)) {
    const id = str(value.solutionId) ?? str(value.id);
    const l = labelArray(value.labels);
    if (!id || !l) continue;
    const meta = isObject(value.metaCritique) ? value.metaCritique : null;
    const merged = value.source === "meta-critique" && meta && meta.ok === true ? str(meta.merged) : null;
    labels.set(id, { labels: l, outcome: verdictBool(value.outcome), explanationId: str(value.explanationId), merged });
  }

  const targets = new Map<string, string[]>();
  if (opts.withVerifications) {
    for await (const { value } of jsonLines(path.join(dir, SYNTHESIS_FILES.verifications), opts)) {
      const solutionId = str(value.solutionId);
      const text = str(value.text);
      const label = solutionId ? labels.get(solutionId) : undefined;
      if (!solutionId || text === null || !label || label.merged !== null || !parseAgrees(value.parse, label.labels, label.outcome)) continue;
      const visible = splitThinking(text).visible;
      if (!visible) continue;
      const list = targets.get(solutionId) ?? [];
      if (str(value.id) === label.explanationId) list.unshift(visible);
      else list.push(visible);
      targets.set(solutionId, list.slice(0, 4));
    }
  }

  const file = path.join(dir, SYNTHESIS_FILES.solutions);
  const seen = new Set<string>();
  for await (const { value, line } of jsonLines(file, opts)) {
    const id = str(value.id);
    const problem = str(value.problem);
    const steps = Array.isArray(value.steps) && value.steps.every((s) => typeof s === "string") ? (value.steps as string[]) : null;
    if (!id || problem === null || !steps) {
      opts.onProblem?.(
        new StepLensError("a solution record needs 'id', 'problem' and 'steps' (strings).", { file, line, hint: "The line is skipped.", code: "bad-record" }),
      );
      continue;
    }
    if (seen.has(id)) continue; // a merge of overlapping shards: the first record wins
    seen.add(id);
    const label = labels.get(id);
    const stepLabels = label && label.labels.length === steps.length ? label.labels : new Array<boolean | null>(steps.length).fill(null);
    const merged = label?.merged ? [splitThinking(label.merged).visible].filter(Boolean) : [];
    yield {
      id,
      problemId: str(value.problemId) ?? id.replace(/#s\d+$/, ""),
      problem,
      steps,
      text: str(value.text),
      labels: stepLabels,
      outcomeVerdict: label && label.labels.length === steps.length ? label.outcome : null,
      labelSource: label ? "synthesis" : "none",
      finalAnswer: str(value.finalAnswer),
      reference: str(value.reference),
      verifications: merged.length ? merged : (targets.get(id) ?? []),
      origin: { file, line, format: "synthesis" },
      dataSource,
    };
  }
}
