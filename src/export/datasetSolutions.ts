/**
 * Export input from any dataset StepLens reads (ProcessBench, PRM800K, Math-Shepherd, generic JSONL,
 * a text trace): each record is one solution, read with the same readers as the editor and the CLI
 * (src/formats/records.ts). Its labels are the dataset's: a ProcessBench-style first error k gives
 * steps before k correct, k incorrect and the steps after it unknown (-1: all correct); per-step labels
 * are kept as they are. Records with the same problem text form one problem. Bad records are passed
 * to `onProblem` (file:line) and skipped. No `vscode` import.
 */
import path from "node:path";
import type { StepLensError } from "../core/errors";
import type { Trace, TraceLabels } from "../core/trace";
import { type ReadTracesOptions, readTraces } from "../formats/records";
import { type ExportSolution, problemIdOf } from "./exportModel";

export interface ReadInputOptions extends Pick<ReadTracesOptions, "format" | "fields" | "stepTag" | "signal" | "strict" | "onWarning"> {
  onProblem?: (e: StepLensError) => void;
}

/** Per-step labels of a trace's labels (see the module comment); all null when it has none. */
export function perStepLabels(labels: TraceLabels | null, stepCount: number): (boolean | null)[] {
  if (!labels) return new Array<boolean | null>(stepCount).fill(null);
  if (labels.kind === "per-step") return Array.from({ length: stepCount }, (_, i) => labels.steps[i] ?? null);
  const k = labels.firstError;
  return Array.from({ length: stepCount }, (_, i) => (k < 0 || i < k ? true : i === k ? false : null));
}

/** The data-source name of a dataset file: its name without extensions ("gsm8k.json" → "gsm8k"). */
export function dataSourceOf(file: string): string {
  return (
    path
      .basename(file)
      .replace(/\.(jsonl|json|ndjson|jsonlines|md|markdown|txt|trace)$/i, "")
      .replace(/\.trace$/i, "") || "steplens"
  );
}

export function traceSolution(trace: Trace, file: string, record: number): ExportSolution {
  const steps = trace.steps.map((s) => s.text);
  const reference = typeof trace.meta?.groundTruthAnswer === "string" ? trace.meta.groundTruthAnswer : null;
  const labels = perStepLabels(trace.labels, steps.length);
  return {
    id: trace.source.id ?? String(record),
    problemId: problemIdOf(trace.problem),
    problem: trace.problem,
    steps,
    text: null,
    labels,
    outcomeVerdict: null,
    labelSource: trace.labels ? "dataset" : "none",
    finalAnswer: trace.finalAnswer,
    reference,
    verifications: [],
    origin: { file, record, line: trace.source.line, format: trace.format },
    dataSource: dataSourceOf(file),
  };
}

/** Streams the solutions of a dataset file, one per readable record. */
export async function* datasetSolutions(file: string, opts: ReadInputOptions = {}): AsyncGenerator<ExportSolution> {
  for await (const r of readTraces(file, {
    format: opts.format,
    fields: opts.fields,
    stepTag: opts.stepTag,
    signal: opts.signal,
    strict: opts.strict,
    onWarning: opts.onWarning,
  })) {
    if (!r.ok) {
      opts.onProblem?.(r.error);
      continue;
    }
    yield traceSolution(r.trace, file, r.record);
  }
}
