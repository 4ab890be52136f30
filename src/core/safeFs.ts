/**
 * Safe writes: every file StepLens writes (labels, caches, run folders, exports) goes through these
 * helpers, so a hostile workspace or folder cannot redirect a write through a symlink to a file
 * elsewhere (a shell start-up file, say). No `vscode` import.
 *
 * The model: a write has a `root` folder (the workspace folder, a `--out` folder, a cache folder)
 * that the user chose, and a target path inside it. The root itself may be a symlink (the user put
 * it there); below it, nothing may be:
 *   - the target must lie inside the root (lexically, and by its real path once resolved);
 *   - every path component between the root and the target must be a real directory, not a symlink;
 *   - the target, when it exists, must be a regular file (not a symlink, FIFO, device or folder);
 *   - files are opened with O_NOFOLLOW where the platform has it, and the opened file is checked
 *     (fstat) to be the same regular file that was checked by path.
 * Anything else is refused with a StepLensError (code "unsafe-path") naming the path, what is wrong
 * and how to fix it. Reads of files StepLens later rewrites (`readFileSafe`) follow the same rules.
 *
 * API (synchronous on purpose: the writes are small, and fewer awaits mean fewer windows in which a
 * path can be swapped):
 *   checkWritePath(file, root)            throws when `file` may not be written (missing is fine)
 *   ensureDir(dir, root)                  mkdir -p below `root`, refusing symlinked components
 *   appendFileSafe(file, root, text, o?)  append (created 0o644 when missing), optional fsync
 *   openAppendSafe(file, root)            an fd opened for appending, for a long-lived writer
 *   writeFileAtomic(file, root, data, o?) temp file + fsync + rename (+ folder fsync)
 *   new AtomicFile(file, root)            the same, streamed: write(chunk)…, commit() or abort()
 *   readFileSafe(file, root, o?)          text of a regular file (null when missing)
 *   isInside(child, parent)               lexical containment
 *
 * Residual limit (documented in docs/security.md): a process that can already write below the root
 * could swap a checked directory for a symlink between the check and the open; the post-open fstat
 * and real-path checks narrow that window, they cannot close it without openat(2).
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "./errors";

/** O_NOFOLLOW where the platform has it (0 on Windows, where it does not exist). */
const O_NOFOLLOW: number = (fs.constants as Record<string, number>).O_NOFOLLOW ?? 0;

export interface SafeWriteOptions {
  /** fsync the file (and, for atomic writes, its folder) before returning. Default: true for atomic writes, false for appends. */
  fsync?: boolean;
  /** File mode for a file that is created (default 0o644). */
  mode?: number;
}

function unsafe(file: string, message: string, hint: string): StepLensError {
  return new StepLensError(message, { file, hint, code: "unsafe-path" });
}

/** True when `child` is `parent` or lies below it (after path.resolve; no file system access). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw e;
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

function realRoot(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

/** Checks the components strictly between `root` and `target` (and `target` itself when `includeTarget`) are real folders. */
function checkComponents(target: string, root: string, includeTarget: boolean): void {
  const absRoot = path.resolve(root);
  const abs = path.resolve(target);
  if (!isInside(abs, absRoot))
    throw unsafe(abs, `refusing to write outside ${absRoot}`, "StepLens writes only inside the folder it was given; choose a path inside it.");
  const parts = path.relative(absRoot, abs).split(path.sep).filter(Boolean);
  let cur = absRoot;
  for (const part of includeTarget ? parts : parts.slice(0, -1)) {
    cur = path.join(cur, part);
    const st = lstatOrNull(cur);
    if (!st) return; // the rest does not exist yet: it is created by ensureDir
    if (st.isSymbolicLink())
      throw unsafe(
        cur,
        "refusing to write through a symbolic link",
        `StepLens never follows links when writing. Replace the link with a real folder (rm '${cur}' && mkdir '${cur}') if this is your own.`,
      );
    if (!st.isDirectory()) throw unsafe(cur, `expected a folder, found ${kindOf(st)}`, "Move it out of the way, or choose another folder.");
  }
}

/** Throws unless the real path of `p`'s nearest existing ancestor lies inside the real root. */
function checkRealPath(p: string, root: string): void {
  const rr = realRoot(root);
  const absRoot = path.resolve(root);
  let cur = path.resolve(p);
  for (;;) {
    if (cur === absRoot || !isInside(cur, absRoot)) return; // nothing below the root exists yet
    try {
      const real = fs.realpathSync(cur);
      if (!isInside(real, rr))
        throw unsafe(
          path.resolve(p),
          `resolves to ${real}, outside ${rr}`,
          "StepLens writes only inside the folder it was given; remove the link that leads out of it.",
        );
      return;
    } catch (e) {
      if (e instanceof StepLensError) throw e;
      const parent = path.dirname(cur);
      if (parent === cur) return;
      cur = parent;
    }
  }
}

/**
 * Throws a StepLensError when `file` may not be written: outside `root`, a symlinked or non-folder
 * component below `root`, or an existing target that is not a regular file. A missing file is fine.
 */
export function checkWritePath(file: string, root: string): void {
  checkComponents(file, root, false);
  const st = lstatOrNull(path.resolve(file));
  if (st && !st.isFile())
    throw unsafe(
      path.resolve(file),
      `refusing to write: it is ${kindOf(st)}`,
      st.isSymbolicLink()
        ? "StepLens never writes through a symbolic link (a cloned repository could point it at any file you can write). Delete the link; StepLens then creates a real file."
        : "StepLens writes only regular files. Move it out of the way.",
    );
  checkRealPath(path.dirname(path.resolve(file)), root);
}

/** `mkdir -p` for `dir` below `root`, refusing symlinked or non-folder components. */
export function ensureDir(dir: string, root: string): void {
  const absRoot = path.resolve(root);
  const abs = path.resolve(dir);
  checkComponents(abs, absRoot, true);
  if (!fs.existsSync(absRoot)) fs.mkdirSync(absRoot, { recursive: true });
  const parts = path.relative(absRoot, abs).split(path.sep).filter(Boolean);
  let cur = absRoot;
  for (const part of parts) {
    cur = path.join(cur, part);
    try {
      fs.mkdirSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const st = fs.lstatSync(cur);
    if (st.isSymbolicLink() || !st.isDirectory())
      throw unsafe(cur, `expected a folder, found ${kindOf(st)}`, "StepLens never writes through links; replace it with a real folder.");
  }
  checkRealPath(abs, absRoot);
}

/** After opening: the fd must be a regular file, the same one the path names now, inside the root. */
function verifyOpened(fd: number, file: string, root: string): void {
  const st = fs.fstatSync(fd);
  const byPath = lstatOrNull(file);
  if (!st.isFile() || !byPath || !byPath.isFile() || byPath.ino !== st.ino || byPath.dev !== st.dev) {
    fs.closeSync(fd);
    throw unsafe(
      file,
      "the file changed while it was opened (replaced by a link or another file)",
      "Something else is modifying this folder; check it and try again.",
    );
  }
  try {
    checkRealPath(file, root);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

function openChecked(file: string, root: string, flags: number, mode: number): number {
  checkWritePath(file, root);
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EMLINK")
      throw unsafe(file, "refusing to write through a symbolic link", "Delete the link; StepLens then creates a real file.");
    throw e;
  }
  verifyOpened(fd, file, root);
  return fd;
}

/**
 * Opens `file` (below `root`) for appending, creating it when missing; the parent folders are created
 * (safely) too. The caller writes with fs.writeSync and closes the fd.
 */
export function openAppendSafe(file: string, root: string, mode = 0o644): number {
  const abs = path.resolve(file);
  ensureDir(path.dirname(abs), root);
  const c = fs.constants;
  return openChecked(abs, root, c.O_WRONLY | c.O_APPEND | c.O_CREAT, mode);
}

/** Appends `text` to `file` (below `root`) in one write; creates the file and its folders when missing. */
export function appendFileSafe(file: string, root: string, text: string | Uint8Array, options: SafeWriteOptions = {}): void {
  const fd = openAppendSafe(file, root, options.mode);
  try {
    fs.writeSync(fd, typeof text === "string" ? Buffer.from(text, "utf8") : text);
    if (options.fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open or fsync a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A file written whole and atomically: chunks go to a temporary file next to the target (created
 * exclusively, no-follow), which `commit()` fsyncs and renames over the target. `abort()` removes it.
 */
export class AtomicFile {
  readonly file: string;
  private readonly temp: string;
  private fd: number | null;

  constructor(
    file: string,
    private readonly root: string,
    private readonly options: SafeWriteOptions = {},
  ) {
    this.file = path.resolve(file);
    ensureDir(path.dirname(this.file), root);
    checkWritePath(this.file, root);
    this.temp = `${this.file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
    const c = fs.constants;
    this.fd = openChecked(this.temp, root, c.O_WRONLY | c.O_CREAT | c.O_EXCL, options.mode ?? 0o644);
  }

  write(chunk: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.file}: already committed or aborted`);
    fs.writeSync(this.fd, typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  }

  /** fsyncs, renames the temporary file over the target (never through a link), fsyncs the folder. */
  commit(): void {
    if (this.fd === null) throw new Error(`${this.file}: already committed or aborted`);
    const sync = this.options.fsync ?? true;
    try {
      if (sync) fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
      checkWritePath(this.file, this.root); // rename would replace a link, not follow it; still refuse, the folder is suspect
      fs.renameSync(this.temp, this.file);
    } catch (e) {
      this.abort();
      throw e;
    }
    if (sync) fsyncDir(path.dirname(this.file));
  }

  abort(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    fs.rmSync(this.temp, { force: true });
  }
}

/** Writes `data` to `file` (below `root`) atomically: temp file + fsync + rename (+ folder fsync). */
export function writeFileAtomic(file: string, root: string, data: string | Uint8Array, options: SafeWriteOptions = {}): void {
  const f = new AtomicFile(file, root, options);
  try {
    f.write(data);
  } catch (e) {
    f.abort();
    throw e;
  }
  f.commit();
}

/**
 * The text of `file` (below `root`) when it is a regular file reached without links; null when it
 * does not exist. Refuses links and non-regular files like the writers do (a file StepLens rewrites
 * must not be read through a link either). `maxBytes` refuses larger files.
 */
export function readFileSafe(file: string, root: string, options: { maxBytes?: number } = {}): string | null {
  const abs = path.resolve(file);
  checkComponents(abs, root, false);
  const st = lstatOrNull(abs);
  if (!st) return null;
  if (!st.isFile())
    throw unsafe(
      abs,
      `refusing to read: it is ${kindOf(st)}`,
      st.isSymbolicLink() ? "StepLens does not follow symbolic links for its own files. Delete the link." : "Move it out of the way.",
    );
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP" || code === "EMLINK") throw unsafe(abs, "refusing to read through a symbolic link", "Delete the link.");
    throw e;
  }
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) throw unsafe(abs, "refusing to read: not a regular file", "Move it out of the way.");
    if (options.maxBytes !== undefined && fst.size > options.maxBytes)
      throw new StepLensError(`file is ${fst.size} bytes, over the limit of ${options.maxBytes}`, { file: abs, code: "too-large", hint: "Split or trim it." });
    checkRealPath(abs, root);
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}
