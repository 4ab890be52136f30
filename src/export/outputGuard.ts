/**
 * What an export may write over. Checked for every output file before anything is read or written:
 *
 *   1. never one of its inputs (the input file, `--dataset`, `--labels`, a file of the input
 *      synthesis folder), compared as files (device + inode, so symlinks, hard links and `..` paths
 *      that lead to an input are caught), not as path strings;
 *   2. never anything under a `.steplens/` folder (the editor's labels and caches), by the lexical
 *      path and by the real path of the nearest existing folder;
 *   3. never a synthesis run folder's own files (manifest.json, solutions.jsonl, verifications.jsonl,
 *      labels.jsonl, failures.jsonl, its lock), whatever the input;
 *   4. an existing file that is not an export of the same format (its first row has other fields,
 *      or it is not a StepLens verl parquet file) only with `force`.
 *
 * Rules 1–3 hold even with `force`. Refusals are StepLensErrors naming the file, the reason and the
 * fix (code `out-is-input`, `out-protected`, `out-exists`). No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { DEFAULT_LOCK_NAME } from "../core/folderLock";
import { isJsonObject } from "../core/jsonValue";
import { FILES as SYNTHESIS_RUN_FILES } from "../synthesis/records";
import type { ExportFormat } from "./formats";
import { isSynthesisFolder } from "./synthesisSolutions";

export interface OutputGuardInput {
  /** The export's input (a file or a synthesis folder). */
  input: string;
  dataset?: string;
  labels?: string;
  format: ExportFormat;
  /** Replace an existing file of another kind (never an input, a run folder's file or `.steplens/`). */
  force?: boolean;
}

/** Bytes of an existing output read to tell its kind (a first JSONL row longer than this counts as another kind). */
const SNIFF_BYTES = 4 << 20;

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function sameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The real path of `p`, resolving its nearest existing ancestor (the rest appended as given). */
function realPathOf(p: string): string {
  const abs = path.resolve(p);
  let cur = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

function underSteplensFolder(p: string): boolean {
  const parts = (q: string) => path.resolve(q).split(path.sep);
  return parts(p).slice(0, -1).includes(".steplens") || parts(realPathOf(p)).slice(0, -1).includes(".steplens");
}

/** The files an export reads: the input (every file of a synthesis folder), --dataset, --labels. */
function inputFiles(opts: OutputGuardInput): string[] {
  const files: string[] = [];
  const st = statOrNull(opts.input);
  if (st?.isDirectory()) {
    for (const name of fs.readdirSync(opts.input)) files.push(path.join(opts.input, name));
  } else files.push(opts.input);
  if (opts.dataset) files.push(opts.dataset);
  if (opts.labels) files.push(opts.labels);
  return files;
}

function firstLine(file: string): string | null {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(SNIFF_BYTES, fs.fstatSync(fd).size));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString("utf8");
    const lines = text.split("\n");
    if (lines.length === 1 && n === SNIFF_BYTES) return null; // no line break within the sniffed bytes
    return lines.find((l) => l.trim() !== "") ?? "";
  } finally {
    fs.closeSync(fd);
  }
}

/** True when `file` (existing, regular) looks like an earlier export in `format`. An empty file counts as one. */
export function isExportOfFormat(file: string, format: ExportFormat): boolean {
  const st = fs.statSync(file);
  if (st.size === 0) return true;
  if (format.container === "parquet") {
    const fd = fs.openSync(file, "r");
    try {
      const tailLen = Math.min(st.size, 64 << 10);
      const head = Buffer.alloc(4);
      fs.readSync(fd, head, 0, 4, 0);
      const tail = Buffer.alloc(tailLen);
      fs.readSync(fd, tail, 0, tailLen, st.size - tailLen);
      const footer = tail.toString("latin1");
      return head.toString("latin1") === "PAR1" && footer.endsWith("PAR1") && format.rowKeys.every((k) => footer.includes(k));
    } finally {
      fs.closeSync(fd);
    }
  }
  const line = firstLine(file);
  if (line === null) return false;
  if (line === "") return true;
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isJsonObject(row)) return false;
  const keys = Object.keys(row).sort();
  const want = [...format.rowKeys].sort();
  return keys.length === want.length && keys.every((k, i) => k === want[i]);
}

/** Throws unless every file of `targets` may be written by this export (rules in the header). */
export function checkExportTargets(targets: readonly string[], opts: OutputGuardInput): void {
  const inputs = inputFiles(opts)
    .map((f) => ({ f, st: statOrNull(f) }))
    .filter((x): x is { f: string; st: fs.Stats } => x.st !== null);
  const runFileNames = new Set<string>([...Object.values(SYNTHESIS_RUN_FILES), DEFAULT_LOCK_NAME]);
  for (const target of targets) {
    const abs = path.resolve(target);
    const st = statOrNull(abs);
    if (st) {
      const same = inputs.find((i) => sameFile(i.st, st));
      if (same)
        throw new StepLensError(
          same.f === abs || path.resolve(same.f) === abs
            ? "the output would overwrite the input."
            : `the output is the input ${same.f} (the same file by another path).`,
          { file: abs, hint: "Choose another --out file; an export never writes over what it reads, even with --force.", code: "out-is-input" },
        );
    }
    if (underSteplensFolder(abs))
      throw new StepLensError("the output lies in a .steplens folder (the editor's labels and caches).", {
        file: abs,
        hint: "Choose an --out file outside .steplens/; an export never writes there, even with --force.",
        code: "out-protected",
      });
    const dir = realPathOf(path.dirname(abs));
    if (isSynthesisFolder(dir) && (runFileNames.has(path.basename(abs)) || /\.tmp$/.test(abs)))
      throw new StepLensError(`the output is a file of the synthesis run folder ${dir}.`, {
        file: abs,
        hint: `Choose another name, e.g. ${path.join(path.dirname(abs), "export", path.basename(abs))}; an export never writes over a run's records, even with --force.`,
        code: "out-protected",
      });
    if (st && st.isFile() && !opts.force && !isExportOfFormat(abs, opts.format))
      throw new StepLensError(`the output exists and is not a ${opts.format.name} export.`, {
        file: abs,
        hint: "Choose another --out file, or add --force to replace it.",
        code: "out-exists",
      });
  }
}
