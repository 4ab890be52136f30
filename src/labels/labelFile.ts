/**
 * The human labels sidecar file, `.steplens/labels.jsonl` in the workspace: plain JSON Lines, one
 * label per line, so it diffs and merges well in git:
 *
 *   {"trace":"traces/a.md","step":2,"label":"incorrect","at":"2025-01-31T10:00:00.000Z"}
 *   {"trace":"data/gsm8k.json#gsm8k-17","step":0,"label":"first-error","at":"…"}
 *   {"trace":"traces/a.md","step":2,"label":"clear","at":"…"}
 *
 * - `trace`: the workspace-relative path of a trace file (forward slashes), or `<dataset path>#<id>`
 *   for a dataset record; `step`: the 0-based step index; `label`: "correct", "incorrect",
 *   "first-error", or "clear" (a tombstone: the step has no label any more); `at`: ISO 8601 time.
 * - The last line for a (trace, step) wins; compaction rewrites the file with only the live labels,
 *   sorted by trace then step.
 * - Reading is forgiving: a bad line is reported (file:line, what is wrong, how to fix) and skipped;
 *   CRLF line ends, a BOM and blank lines are accepted. No `vscode` import.
 */
import path from "node:path";
import * as v from "valibot";
import { StepLensError } from "../core/errors";

export type HumanLabel = "correct" | "incorrect" | "first-error";
export const HUMAN_LABELS: readonly HumanLabel[] = ["correct", "incorrect", "first-error"];
export type LabelValue = HumanLabel | "clear";
const LABEL_VALUES = ["correct", "incorrect", "first-error", "clear"] as const satisfies readonly LabelValue[];

/** Where the file lives, relative to the workspace folder. */
export const LABELS_FILE = ".steplens/labels.jsonl";

export interface LabelRecord {
  trace: string;
  step: number;
  label: LabelValue;
  at: string;
}

export interface LiveLabel {
  label: HumanLabel;
  at: string;
}

/** trace → step → label. */
export type LabelMap = Map<string, Map<number, LiveLabel>>;

export interface ParsedLabelFile {
  records: (LabelRecord & { line: number })[];
  problems: StepLensError[];
  /** The text of the bad lines, in order (compaction keeps them, so nothing is lost). */
  badLines: string[];
  /** The line ending the file uses (from its first line break; "\n" when it has none). */
  eol: "\n" | "\r\n";
}

/** One record as a line (fixed key order, no trailing line break). */
export function formatLabelLine(record: LabelRecord): string {
  return JSON.stringify({ trace: record.trace, step: record.step, label: record.label, at: record.at });
}

const HINT =
  'Each line must be {"trace": "<path or dataset#id>", "step": <0-based integer>, "label": "correct"|"incorrect"|"first-error"|"clear", "at": "<ISO time>"}; fix or delete the line.';

const found = (issue: v.BaseIssue<unknown>) => JSON.stringify(issue.input) ?? "nothing";
const traceMessage = "'trace' must be a non-empty string.";
const stepMessage = (issue: v.BaseIssue<unknown>) => `'step' must be a 0-based integer, found ${found(issue)}.`;
const labelMessage = (issue: v.BaseIssue<unknown>) => `'label' must be one of ${LABEL_VALUES.join(", ")}, found ${found(issue)}.`;
const atMessage = (issue: v.BaseIssue<unknown>) => `'at' must be an ISO time, found ${JSON.stringify(issue.input)}.`;
const FIELD_MESSAGES: Record<string, (issue: v.BaseIssue<unknown>) => string> = { trace: () => traceMessage, step: stepMessage, label: labelMessage };

/** One line of the file: the type and its checks from one declaration (valibot); extra fields are ignored. */
const LabelLineSchema = v.object(
  {
    trace: v.pipe(v.string(traceMessage), v.nonEmpty(traceMessage)),
    step: v.pipe(v.number(stepMessage), v.integer(stepMessage), v.minValue(0, stepMessage)),
    label: v.picklist(LABEL_VALUES, labelMessage),
    at: v.optional(
      v.pipe(
        v.string(atMessage),
        v.check((at) => !Number.isNaN(Date.parse(at)), atMessage),
      ),
    ),
  },
  // The object's own message also answers for a missing key: say which.
  (issue) => FIELD_MESSAGES[String(issue.path?.[0]?.key)]?.(issue) ?? "a label line must be a JSON object.",
);

function problem(file: string, line: number, message: string): StepLensError {
  return new StepLensError(message, { file, line, hint: HINT, code: "bad-label" });
}

/** Parses the file's text; bad lines become problems and are skipped. */
export function parseLabelFile(text: string, file: string): ParsedLabelFile {
  const records: (LabelRecord & { line: number })[] = [];
  const problems: StepLensError[] = [];
  const badLines: string[] = [];
  const firstBreak = text.indexOf("\n");
  const eol = firstBreak > 0 && text[firstBreak - 1] === "\r" ? "\r\n" : "\n";
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  for (const [i, lineText] of lines.entries()) {
    const raw = lineText.replace(/\r$/, "");
    if (raw.trim() === "") continue;
    const line = i + 1;
    const bad = (message: string) => {
      problems.push(problem(file, line, message));
      badLines.push(raw);
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      bad(`not valid JSON (${(e as Error).message}).`);
      continue;
    }
    if (Array.isArray(value)) {
      bad("a label line must be a JSON object.");
      continue;
    }
    const r = v.safeParse(LabelLineSchema, value, { abortEarly: true });
    if (!r.success) {
      bad(r.issues[0].message);
      continue;
    }
    const o = r.output;
    records.push({ trace: o.trace, step: o.step, label: o.label, at: o.at ?? "", line });
  }
  return { records, problems, badLines, eol };
}

/** Applies records in order: the last one per (trace, step) wins, "clear" removes. */
export function foldLabels(records: Iterable<LabelRecord>, into: LabelMap = new Map()): LabelMap {
  for (const r of records) applyRecord(into, r);
  return into;
}

export function applyRecord(map: LabelMap, r: LabelRecord): void {
  let steps = map.get(r.trace);
  if (r.label === "clear") {
    if (!steps) return;
    steps.delete(r.step);
    if (steps.size === 0) map.delete(r.trace);
    return;
  }
  if (!steps) map.set(r.trace, (steps = new Map()));
  steps.set(r.step, { label: r.label, at: r.at });
}

/** The live labels as file text: sorted by trace (code-unit order) then step, one line each. */
export function formatLabelFile(map: LabelMap, eol: "\n" | "\r\n" = "\n"): string {
  const lines: string[] = [];
  for (const trace of [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const steps = map.get(trace)!;
    for (const step of [...steps.keys()].sort((a, b) => a - b)) {
      const l = steps.get(step)!;
      lines.push(formatLabelLine({ trace, step, label: l.label, at: l.at }));
    }
  }
  return lines.map((l) => l + eol).join("");
}

/**
 * The key a trace is labelled under: its path relative to the workspace folder with forward slashes
 * (absolute, with forward slashes, when it lies outside), plus `#<id>` for a dataset record.
 */
export function traceKey(file: string, workspaceRoot: string | null, recordId?: string): string {
  let p = file;
  if (workspaceRoot) {
    const rel = path.relative(workspaceRoot, file);
    if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) p = rel;
  }
  p = p.split(path.sep).join("/");
  return recordId !== undefined ? `${p}#${recordId}` : p;
}
