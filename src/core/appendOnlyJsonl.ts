/**
 * Append-only JSONL record files that survive a crash at any instant.
 *
 * Writing (`AppendOnlyJsonl`): one record is one JSON line, written with a single `write` of the whole
 * line to a file opened O_APPEND (never through a link: src/core/safeFs.ts). Durability policy:
 * `always` fsyncs after every record, `interval` at most every `intervalMs` (and on `sync()` /
 * `close()`), `never` leaves it to the OS. A killed process (SIGKILL) loses nothing written; a power
 * loss loses at most the records since the last fsync — never a record in the middle.
 *
 * Recovery (`recoverJsonl`): before appending again, the file is scanned; a torn last line (no final
 * newline, or a last line that is not valid JSON — a write cut short, or zeros left by a power loss)
 * is truncated away, and the ids already present are returned, so a resumed run does not write any
 * record twice. A damaged line *before* the last cannot come from a crash of this writer: it is
 * reported (file:line) rather than silently dropped. No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { StepLensError, throwIfAborted } from "./errors";
import { checkWritePath, openAppendSafe } from "./safeFs";

export type FsyncPolicy = "always" | "interval" | "never";

export interface AppendOptions {
  /** Default "interval". */
  fsync?: FsyncPolicy;
  /** For "interval": the longest time between fsyncs (default 1000 ms). */
  intervalMs?: number;
}

/** Writer of one append-only JSONL file below `root`. */
export class AppendOnlyJsonl {
  readonly file: string;
  private fd: number | null;
  private dirty = false;
  private lastSync = Date.now();
  private readonly policy: FsyncPolicy;
  private readonly intervalMs: number;
  /** Records appended by this writer. */
  written = 0;
  /** Bytes appended by this writer. */
  bytesWritten = 0;

  constructor(file: string, root: string, options: AppendOptions = {}) {
    this.file = path.resolve(file);
    this.fd = openAppendSafe(this.file, root);
    this.policy = options.fsync ?? "interval";
    this.intervalMs = options.intervalMs ?? 1000;
  }

  /** Appends one record as one line (one write call for the whole line). */
  append(record: object): void {
    this.appendMany([record]);
  }

  /** Appends records as lines with one write call for all of them (a batch costs one system call). */
  appendMany(records: readonly object[]): void {
    if (this.fd === null) throw new Error(`${this.file}: writer is closed`);
    if (records.length === 0) return;
    let text = "";
    for (const r of records) text += JSON.stringify(r) + "\n";
    const buf = Buffer.from(text, "utf8");
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.written += records.length;
    this.bytesWritten += buf.length;
    this.dirty = true;
    if (this.policy === "always" || (this.policy === "interval" && Date.now() - this.lastSync >= this.intervalMs)) this.sync();
  }

  /** fsyncs what was appended since the last fsync (no-op when nothing was). */
  sync(): void {
    if (this.fd === null || !this.dirty || this.policy === "never") return;
    fs.fsyncSync(this.fd);
    this.dirty = false;
    this.lastSync = Date.now();
  }

  close(): void {
    if (this.fd === null) return;
    try {
      if (this.dirty && this.policy !== "never") fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

export interface RecoverOptions {
  signal?: AbortSignal;
  /** The id of a record (default: its `id` field when a string). */
  idOf?: (record: Record<string, unknown>) => string | undefined;
  /** Called with every whole record, in file order (e.g. to keep the ones a resume still needs). */
  onRecord?: (record: Record<string, unknown>, line: number) => void;
}

export interface RecoveredJsonl {
  /** Ids of the whole records in the file (first occurrence kept). */
  ids: Set<string>;
  records: number;
  /** Bytes cut off the end (a torn last line); 0 when the file was whole. */
  tornBytes: number;
  /** Ids seen more than once (should never happen; reported, the first is kept). */
  duplicates: string[];
}

/** The offset just past the last newline before `end`, or 0. */
function lastNewlineBefore(fd: number, end: number): number {
  const chunk = 64 * 1024;
  while (end > 0) {
    const start = Math.max(0, end - chunk);
    const buf = Buffer.alloc(end - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    const i = buf.lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}

function isJsonObjectLine(text: string): boolean {
  try {
    const v = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * Truncates a torn last line of `file` (below `root`): a tail without a newline, or a last line that is
 * not a JSON object. Returns the bytes removed (0 when whole or missing).
 */
export function truncateTornTail(file: string, root: string): number {
  checkWritePath(file, root);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | ((fs.constants as Record<string, number>).O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let keep = size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) keep = lastNewlineBefore(fd, size);
      // The last complete line must parse; zeros or a cut-off record (power loss) are dropped too.
      // Only the very last line can be torn; an earlier damaged line is reported by the scan.
      if (keep > 0) {
        const start = lastNewlineBefore(fd, keep - 1);
        const buf = Buffer.alloc(keep - start);
        fs.readSync(fd, buf, 0, buf.length, start);
        const text = buf.toString("utf8").trim();
        if (text !== "" && !isJsonObjectLine(text)) keep = start;
      }
    }
    if (keep < size) {
      fs.ftruncateSync(fd, keep);
      fs.fsyncSync(fd);
    }
    return size - keep;
  } finally {
    fs.closeSync(fd);
  }
}

/** Repairs the tail of `file` and reads back the ids (and, through onRecord, the records) it holds. */
export async function recoverJsonl(file: string, root: string, options: RecoverOptions = {}): Promise<RecoveredJsonl> {
  const tornBytes = truncateTornTail(file, root);
  return { ...(await scanJsonl(file, options)), tornBytes };
}

/**
 * Reads the records of `file` without changing it (e.g. a finished folder being merged): ids, and
 * every record through onRecord. A damaged line (a torn last one included) is an error naming it.
 */
export async function scanJsonl(file: string, options: RecoverOptions = {}): Promise<RecoveredJsonl> {
  const ids = new Set<string>();
  const duplicates: string[] = [];
  let records = 0;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | ((fs.constants as Record<string, number>).O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { ids, records, tornBytes: 0, duplicates };
    if ((e as NodeJS.ErrnoException).code === "ELOOP")
      throw new StepLensError("refusing to read through a symbolic link", { file, code: "unsafe-path", hint: "Replace the link with the file itself." });
    throw e;
  }
  const idOf = options.idOf ?? ((r) => (typeof r.id === "string" ? r.id : undefined));
  const rl = readline.createInterface({ input: fs.createReadStream("", { fd, encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if ((line & 1023) === 0) throwIfAborted(options.signal);
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new StepLensError(`line ${line} is damaged (${(e as Error).message})`, {
          file,
          line,
          code: "damaged-record",
          hint: "Only the last line of an append-only file can be torn by a crash; this one is inside the file. Delete that line (its record is then computed again) and rerun.",
        });
      }
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw new StepLensError(`line ${line} is not a JSON object`, { file, line, code: "damaged-record", hint: "Delete that line and rerun." });
      const rec = value as Record<string, unknown>;
      const id = idOf(rec);
      if (id !== undefined) {
        if (ids.has(id)) {
          duplicates.push(id);
          continue;
        }
        ids.add(id);
      }
      records++;
      options.onRecord?.(rec, line);
    }
  } finally {
    rl.close();
  }
  return { ids, records, tornBytes: 0, duplicates };
}
