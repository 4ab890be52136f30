/**
 * Human labels in the workspace sidecar file (format in ./labelFile.ts). No `vscode` import: the
 * adapter creates one store per workspace folder, calls `reload()` when a file watcher sees the file
 * change, and forwards `onDidChange` to hovers, diagnostics and the dataset tree.
 *
 * - mark / clear append one line (a "clear" is a tombstone line), so concurrent appends from two
 *   windows never overwrite each other; writes from one store are serialised.
 * - `compact()` rewrites the file with only the live labels (sorted), atomically: the new text goes
 *   to a temporary file in the same folder, which is renamed over the old one. It re-reads the file
 *   first, so lines appended by another process are kept; appends and compaction both hold the
 *   labels lock (`labels.jsonl.lock` next to the file), so no append can fall between the re-read and
 *   the rename, in this process or another one.
 * - Reading never loses good lines: bad lines are reported (`problems`, file:line) and skipped.
 * - The file keeps its line-ending style (CRLF stays CRLF).
 * - Never through a link: the file and the `.steplens` folder must be a regular file and a real folder
 *   inside the workspace folder (`root`); a symlink a cloned repository ships is refused with a clear
 *   error, for reads and writes alike (src/core/safeFs.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { acquireFolderLock, type FolderLock } from "../core/folderLock";
import { appendFileSafe, checkWritePath, ensureDir, readFileSafe, writeFileAtomic } from "../core/safeFs";
import type { TraceLabels } from "../core/trace";
import { Emitter, type Event, type Disposable } from "../core/events";
import {
  type HumanLabel,
  type LabelMap,
  type LabelRecord,
  type LabelValue,
  applyRecord,
  foldLabels,
  formatLabelFile,
  formatLabelLine,
  parseLabelFile,
} from "./labelFile";
import { applyHumanLabels } from "./traceLabels";

export interface LabelChange {
  /** "mark"/"clear": one step changed; "reload"/"compact": anything may have changed. */
  reason: "mark" | "clear" | "reload" | "compact";
  trace?: string;
  step?: number;
  label?: HumanLabel | null;
}

export interface LabelStoreOptions {
  now?: () => Date;
  /** The workspace folder the file must stay inside (default: the folder above `.steplens`). */
  root?: string;
}

export class LabelStore implements Disposable {
  private labels: LabelMap = new Map();
  private eol: "\n" | "\r\n" = "\n";
  private queue: Promise<unknown> = Promise.resolve();
  private readonly emitter = new Emitter<LabelChange>();
  private readonly now: () => Date;
  /** The folder every read and write must stay inside, through no link. */
  readonly root: string;
  /** Problems found by the last read (bad lines, file:line). */
  problems: StepLensError[] = [];

  readonly onDidChange: Event<LabelChange> = this.emitter.event;

  constructor(
    readonly file: string,
    options: LabelStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.root = options.root ?? path.dirname(path.dirname(path.resolve(file)));
  }

  /** Reads the file (a missing file is an empty store). Returns the problems found. */
  async load(): Promise<StepLensError[]> {
    return this.serialised(async () => {
      await this.read();
      return this.problems;
    });
  }

  /** Re-reads the file after an outside change and fires a "reload" change when labels differ. */
  async reload(): Promise<StepLensError[]> {
    return this.serialised(async () => {
      const before = formatLabelFile(this.labels);
      await this.read();
      if (formatLabelFile(this.labels) !== before) this.emitter.fire({ reason: "reload" });
      return this.problems;
    });
  }

  get(trace: string, step: number): HumanLabel | undefined {
    return this.labels.get(trace)?.get(step)?.label;
  }

  /** The labels of one trace, by step. */
  labelsFor(trace: string): ReadonlyMap<number, HumanLabel> {
    const out = new Map<number, HumanLabel>();
    for (const [step, l] of this.labels.get(trace) ?? []) out.set(step, l.label);
    return out;
  }

  /** Traces that have at least one label. */
  traces(): string[] {
    return [...this.labels.keys()];
  }

  /** Number of live labels. */
  get size(): number {
    let n = 0;
    for (const steps of this.labels.values()) n += steps.size;
    return n;
  }

  mark(trace: string, step: number, label: HumanLabel): Promise<void> {
    return this.write(trace, step, label);
  }

  markCorrect(trace: string, step: number): Promise<void> {
    return this.write(trace, step, "correct");
  }

  markIncorrect(trace: string, step: number): Promise<void> {
    return this.write(trace, step, "incorrect");
  }

  markFirstError(trace: string, step: number): Promise<void> {
    return this.write(trace, step, "first-error");
  }

  clear(trace: string, step: number): Promise<void> {
    return this.write(trace, step, "clear");
  }

  /**
   * Rewrites the file with only the live labels, atomically (temp file + fsync + rename). Returns the
   * number of lines before and after. Safe against other processes: the re-read and the rename happen
   * under the labels lock (which appends take too), so no appended line can fall between them; should
   * the file still change meanwhile (a writer that ignores the lock: an old StepLens, git), the rewrite
   * is retried, and after the last retry the file is left as it is (an error says so): never renamed
   * over lines it has not seen.
   */
  compact(): Promise<{ before: number; after: number }> {
    return this.serialised(() =>
      this.locked(async () => {
        for (let attempt = 0; attempt < COMPACT_ATTEMPTS; attempt++) {
          const text = this.readText();
          const parsed = parseLabelFile(text, this.file);
          const labels = foldLabels(parsed.records);
          // Bad lines are kept, after the live labels, for the user to fix: compaction never loses text.
          const out = formatLabelFile(labels, parsed.eol) + parsed.badLines.map((l) => l + parsed.eol).join("");
          if (this.readText() !== text) continue; // changed by a writer that ignores the lock: read again
          writeFileAtomic(this.file, this.root, out);
          this.problems = parsed.problems;
          this.eol = parsed.eol;
          this.labels = labels;
          this.emitter.fire({ reason: "compact" });
          return { before: countLines(text), after: countLines(out) };
        }
        throw new StepLensError(`the labels file kept changing during compaction (${COMPACT_ATTEMPTS} tries); it was left as it was`, {
          file: this.file,
          code: "compact-busy",
          hint: "Nothing was lost. Try again when no other program is writing the file.",
        });
      }),
    );
  }

  /** The trace's labels for export: the dataset's own labels overridden by the human ones. */
  toTraceLabels(trace: string, stepCount: number, base: TraceLabels | null): TraceLabels | null {
    return applyHumanLabels(base, this.labelsFor(trace), stepCount);
  }

  dispose(): void {
    this.emitter.dispose();
  }

  private write(trace: string, step: number, label: LabelValue): Promise<void> {
    if (trace === "") return Promise.reject(new Error("a label needs a trace key"));
    if (!Number.isInteger(step) || step < 0) return Promise.reject(new RangeError(`step must be a 0-based integer, got ${step}`));
    return this.serialised(async () => {
      const current = this.get(trace, step);
      if (label === "clear" ? current === undefined : current === label) return; // nothing changes: keep the file quiet
      const record: LabelRecord = { trace, step, label, at: this.now().toISOString() };
      await this.locked(async () => {
        const prefix = endsWithoutNewline(this.file, this.root) ? this.eol : "";
        appendFileSafe(this.file, this.root, prefix + formatLabelLine(record) + this.eol);
      });
      applyRecord(this.labels, record);
      this.emitter.fire({ reason: label === "clear" ? "clear" : "mark", trace, step, label: label === "clear" ? null : label });
    });
  }

  private async read(): Promise<void> {
    const parsed = parseLabelFile(this.readText(), this.file);
    this.labels = foldLabels(parsed.records);
    this.problems = parsed.problems;
    this.eol = parsed.eol;
  }

  /** The file's text ("" when missing); refuses a link or anything but a regular file inside the root. */
  private readText(): string {
    return readFileSafe(this.file, this.root) ?? "";
  }

  /**
   * Runs `work` holding the labels lock, `.steplens/labels.jsonl.lock` (src/core/folderLock.ts), which
   * every StepLens process takes to append or compact: a held lock is waited for (briefly), a lock
   * left by a dead process is taken over.
   */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const dir = path.dirname(path.resolve(this.file));
    ensureDir(dir, this.root); // .steplens must be a real folder inside the workspace folder
    const deadline = Date.now() + LOCK_WAIT_MS;
    let lock: FolderLock;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        lock = acquireFolderLock(dir, { name: `${path.basename(this.file)}.lock`, command: "StepLens labels" });
        break;
      } catch (e) {
        if (!(e instanceof StepLensError && e.details.code === "locked") || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    try {
      return await work();
    } finally {
      lock.release();
    }
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const COMPACT_ATTEMPTS = 3;
/** How long a mark or a compaction waits for another process's labels lock. */
const LOCK_WAIT_MS = 10_000;

function countLines(text: string): number {
  return text.split("\n").filter((l) => l.trim() !== "").length;
}

/** True when the file exists, is not empty and its last byte is not a line feed (read without following links). */
function endsWithoutNewline(file: string, root: string): boolean {
  checkWritePath(file, root);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | ((fs.constants as Record<string, number>).O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  try {
    const { size } = fs.fstatSync(fd);
    if (size === 0) return false;
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0] !== 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}
