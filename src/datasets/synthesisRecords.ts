/**
 * A `steplens synthesize` folder read as a dataset (for the StepLens Datasets tree): the records are
 * the lines of `solutions.jsonl` (indexed lazily like any JSONL dataset), each given its aggregated
 * step labels from `labels.jsonl` (the ground truth column shows the aggregate's first error) and the
 * K verifications' verdict per step from `verifications.jsonl`. Only the verdicts are kept in memory
 * (a few bytes per step and verification), not the verification texts. No `vscode` import.
 */
import path from "node:path";
import type { Trace } from "../core/trace";
import { firstErrorOf } from "../core/trace";
import { finalAnswerFromSteps } from "../formats/datasetAnswer";
import { type RecordContext, describeType, isObject, recordError, requireObject, requireString } from "../formats/datasetFields";
import type { RecordReader } from "../formats/records";
import { SYNTHESIS_FILES, jsonLines } from "../formats/synthesisFolder";

/** One step's verdict in one verification: "+" correct, "-" incorrect, "?" not given, "x" malformed verification. */
export type VerdictMark = "+" | "-" | "?" | "x";

export interface SynthesisSolutionInfo {
  /** Aggregated labels (the rule the run chose), one per step. */
  labels: (boolean | null)[];
  firstError: number | null;
  outcome: "yes" | "no" | null;
  status: string;
  rule: string;
  /** Per verification (in verification order): its id and one mark per step. */
  verifications: { id: string; marks: VerdictMark[]; final: "yes" | "no" | null }[];
}

export interface SynthesisOverlay {
  dir: string;
  solutionsFile: string;
  bySolution: Map<string, SynthesisSolutionInfo>;
}

const verdictMark = (v: unknown): VerdictMark => (v === "correct" ? "+" : v === "incorrect" ? "-" : "?");

/** Reads the labels and verification verdicts of a synthesis folder (lines being written are skipped). */
export async function loadSynthesisOverlay(dir: string, signal?: AbortSignal): Promise<SynthesisOverlay> {
  const bySolution = new Map<string, SynthesisSolutionInfo>();
  const info = (id: string): SynthesisSolutionInfo => {
    let i = bySolution.get(id);
    if (!i) bySolution.set(id, (i = { labels: [], firstError: null, outcome: null, status: "unlabelled", rule: "", verifications: [] }));
    return i;
  };
  for await (const { value } of jsonLines(path.join(dir, SYNTHESIS_FILES.labels), { signal })) {
    const id = typeof value.solutionId === "string" ? value.solutionId : typeof value.id === "string" ? value.id : null;
    if (!id || !Array.isArray(value.labels)) continue;
    const i = info(id);
    i.labels = value.labels.map((x) => (x === true ? true : x === false ? false : null));
    i.firstError = Number.isInteger(value.firstError) ? (value.firstError as number) : null;
    i.outcome = value.outcome === "yes" || value.outcome === "no" ? value.outcome : null;
    i.status = typeof value.status === "string" ? value.status : "labelled";
    i.rule = typeof value.rule === "string" ? value.rule : "";
  }
  for await (const { value } of jsonLines(path.join(dir, SYNTHESIS_FILES.verifications), { signal })) {
    const id = typeof value.solutionId === "string" ? value.solutionId : null;
    if (!id) continue;
    const parse = isObject(value.parse) ? value.parse : null;
    const marks: VerdictMark[] = [];
    if (parse?.ok === true && Array.isArray(parse.steps))
      for (const s of parse.steps) if (isObject(s) && Number.isInteger(s.index)) marks[s.index as number] = verdictMark(s.verdict);
    const final: "yes" | "no" | null = parse?.finalVerdict === "yes" ? "yes" : parse?.finalVerdict === "no" ? "no" : null;
    const v = {
      id: typeof value.id === "string" ? value.id : `${id}#v?`,
      marks: parse?.ok === true ? Array.from(marks, (m) => m ?? "?") : ["x" as const],
      final,
    };
    info(id).verifications.push(v);
  }
  for (const i of bySolution.values()) i.verifications.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { dir, solutionsFile: path.join(dir, SYNTHESIS_FILES.solutions), bySolution };
}

const HINT = "A synthesis solution record needs 'id', 'problem' and 'steps' (see docs/synthesis.md).";

/** Reads a `solutions.jsonl` line as a trace labelled with its aggregated labels. */
export function synthesisRecordReader(overlay: SynthesisOverlay): RecordReader {
  return (value: unknown, ctx: RecordContext): Trace => {
    const obj = requireObject(value, ctx, "a synthesis solution", HINT);
    const id = requireString(obj, "id", ctx, "", HINT);
    const problem = requireString(obj, "problem", ctx, "", HINT);
    if (!Array.isArray(obj.steps) || !obj.steps.every((s) => typeof s === "string"))
      throw recordError(ctx, `field 'steps' must be an array of strings, found ${describeType(obj.steps)}`, HINT);
    const steps = obj.steps as string[];
    const info = overlay.bySolution.get(id);
    const labels = info && info.labels.length === steps.length && info.labels.some((l) => l !== null) ? info.labels : null;
    return {
      format: "jsonl",
      problem,
      problemRange: null,
      steps: steps.map((text, index) => ({ index, text, range: null })),
      finalAnswer: typeof obj.finalAnswer === "string" ? obj.finalAnswer : finalAnswerFromSteps(steps),
      finalAnswerRange: null,
      labels: labels ? { kind: "per-step", steps: labels, firstError: firstErrorOf(labels) } : null,
      source: { file: ctx.file, record: ctx.record, line: ctx.line, id },
      meta: {
        synthesis: {
          status: info?.status ?? "unlabelled",
          rule: info?.rule ?? "",
          outcome: info?.outcome ?? null,
          verifications: info?.verifications.length ?? 0,
        },
      },
    };
  };
}

/** "++-+" per step over the K verifications, and counts, for one step. */
export function stepVotes(info: SynthesisSolutionInfo, step: number): { marks: string; correct: number; incorrect: number; notGiven: number } {
  let correct = 0;
  let incorrect = 0;
  let notGiven = 0;
  const marks = info.verifications
    .map((v) => {
      const m = v.marks[0] === "x" ? "x" : (v.marks[step] ?? "?");
      if (m === "+") correct++;
      else if (m === "-") incorrect++;
      else notGiven++;
      return m;
    })
    .join("");
  return { marks, correct, incorrect, notGiven };
}
