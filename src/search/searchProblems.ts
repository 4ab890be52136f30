/**
 * The problems of a search: a JSONL file (one object per line) or a JSON array of objects, each with
 * `problem` (or `question`), an optional `id` (string or number; default: the record's 0-based index,
 * stable while the file does not change, which resuming relies on) and an optional reference answer in
 * `referenceField` (default `answer`; a string or a number, read with the answer extractor, so
 * "$\\frac12$", "\\boxed{7}" and GSM8K's "… #### 42" all work). A bad record is reported with its line
 * and skipped. No `vscode` import here.
 */
import fs from "node:fs";
import { StepLensError } from "../core/errors";
import { readJsonlLines } from "../eval/predictions";

export interface SearchProblem {
  id: string;
  problem: string;
  /** The reference answer as written (null when the record has none). */
  reference: string | null;
  /** 1-based line of the record (JSONL) or 0 (JSON array). */
  line: number;
}

export interface BadProblem {
  line: number;
  message: string;
}

export const DEFAULT_REFERENCE_FIELD = "answer";

function toProblem(v: unknown, index: number, line: number, referenceField: string): SearchProblem | string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a JSON object";
  const o = v as Record<string, unknown>;
  const text = typeof o.problem === "string" ? o.problem : typeof o.question === "string" ? o.question : null;
  if (text === null || !text.trim()) return 'no "problem" (or "question") string';
  let id = String(index);
  if (o.id !== undefined) {
    if (typeof o.id === "string" && o.id) id = o.id;
    else if (typeof o.id === "number" && Number.isFinite(o.id)) id = String(o.id);
    else return '"id" must be a non-empty string or a number';
  }
  let reference: string | null = null;
  const r = o[referenceField];
  if (r !== undefined && r !== null) {
    if (typeof r === "string") reference = r;
    else if (typeof r === "number" && Number.isFinite(r)) reference = String(r);
    else return `"${referenceField}" must be a string or a number`;
  }
  return { id, problem: text, reference, line };
}

export async function readSearchProblems(
  file: string,
  opts: { referenceField?: string; limit?: number; signal?: AbortSignal; onBad?: (b: BadProblem) => void } = {},
): Promise<SearchProblem[]> {
  const referenceField = opts.referenceField ?? DEFAULT_REFERENCE_FIELD;
  const out: SearchProblem[] = [];
  const ids = new Set<string>();
  let index = 0;
  const add = (v: unknown, line: number) => {
    const p = toProblem(v, index++, line, referenceField);
    if (typeof p === "string") return opts.onBad?.({ line, message: p });
    if (ids.has(p.id)) return opts.onBad?.({ line, message: `id "${p.id}" appears more than once; the first is kept` });
    ids.add(p.id);
    out.push(p);
  };
  let head: string;
  try {
    const fd = fs.openSync(file, "r");
    const b = Buffer.alloc(256);
    const n = fs.readSync(fd, b, 0, b.length, 0);
    fs.closeSync(fd);
    head = b.subarray(0, n).toString("utf8").trimStart();
  } catch (e) {
    throw new StepLensError(`cannot read the problems (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file,
      hint: "Check the path given to --problems.",
    });
  }
  if (head.startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new StepLensError(`not valid JSON (${(e as Error).message})`, {
        file,
        hint: "Give a JSON array of problem objects, or JSONL (one object per line).",
      });
    }
    for (const v of list as unknown[]) {
      if (opts.limit !== undefined && out.length >= opts.limit) break;
      add(v, 0);
    }
    return out;
  }
  for await (const l of readJsonlLines(file, {
    signal: opts.signal,
    onTorn: (line) => opts.onBad?.({ line, message: "not valid JSON (a torn last line?)" }),
  })) {
    if (opts.limit !== undefined && out.length >= opts.limit) break;
    if ("error" in l) {
      index++;
      opts.onBad?.({ line: l.line, message: l.error });
      continue;
    }
    add(l.value, l.line);
  }
  return out;
}
