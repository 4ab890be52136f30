/**
 * An exclusive lock on a folder, for pipelines that write into it (one writer at a time).
 *
 * The lock is a file in the folder, created with O_CREAT|O_EXCL (never through a link), holding
 * `{"pid", "host", "started", "command", "token"}`. A second process is refused with a message naming
 * the holder. A lock left behind by a process that died (same host, pid no longer alive) is taken
 * over: the stale file is renamed away (atomic), checked to be the one judged stale, and a fresh lock
 * is created exclusively, so two processes taking over at once cannot both win. Locks of another host
 * are never taken over (the pid cannot be checked from here). No `vscode` import.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StepLensError } from "./errors";
import { checkWritePath, ensureDir } from "./safeFs";

export const DEFAULT_LOCK_NAME = ".steplens-lock";

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command: string;
  token: string;
}

export interface FolderLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** True when a stale lock of a dead process was replaced. */
  readonly tookOver: LockOwner | null;
  /** Removes the lock file if it is still this lock's. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  /** Lock file name inside the folder (default `.steplens-lock`). */
  name?: string;
  /** What the holder is doing, shown to a refused process. */
  command?: string;
  /** Liveness check (tests); default: signal 0. */
  isAlive?: (pid: number) => boolean;
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) return null;
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as LockOwner;
    return typeof v === "object" && v !== null && typeof v.pid === "number" ? v : null;
  } catch {
    return null;
  }
}

function describe(o: LockOwner): string {
  return `pid ${o.pid} on ${o.host}, started ${o.started}${o.command ? `: ${o.command}` : ""}`;
}

function tryCreate(file: string, owner: LockOwner): boolean {
  const c = fs.constants;
  let fd: number;
  try {
    // O_EXCL fails on any existing name, a symbolic link (even a dangling one) included.
    fd = fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_EXCL, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    fs.writeSync(fd, JSON.stringify(owner) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function refused(dir: string, file: string, holder: LockOwner | null): StepLensError {
  const who = holder ? describe(holder) : "an unreadable lock file";
  return new StepLensError(`${dir} is in use by another StepLens process (${who})`, {
    file,
    code: "locked",
    hint:
      holder && holder.host !== os.hostname()
        ? `Wait for it to finish or stop it. The lock belongs to another host, so it is never taken over automatically: if that process is gone, delete ${file}.`
        : `Wait for it to finish or stop it (kill ${holder?.pid ?? "<pid>"}); if you are sure no process uses the folder, delete ${file}.`,
  });
}

/** Takes the folder's lock or throws a StepLensError (code "locked") naming the process holding it. */
export function acquireFolderLock(dir: string, options: AcquireOptions = {}): FolderLock {
  const root = path.resolve(dir);
  ensureDir(root, root);
  const file = path.join(root, options.name ?? DEFAULT_LOCK_NAME);
  const isAlive = options.isAlive ?? processAlive;
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: options.command ?? "",
    token: crypto.randomBytes(8).toString("hex"),
  };
  let tookOver: LockOwner | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st && !st.isFile()) checkWritePath(file, root); // a link or a folder: refused with the safe-write message
    if (tryCreate(file, owner)) return makeLock(file, owner, tookOver);
    const holder = readOwner(file);
    const stale = holder !== null && holder.host === os.hostname() && holder.pid !== process.pid && !isAlive(holder.pid);
    if (!stale) throw refused(root, file, holder);
    // Take over: move the stale file aside; only the process whose rename moved *that* file goes on.
    const grave = `${file}.stale-${process.pid}-${owner.token}`;
    try {
      fs.renameSync(file, grave);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // someone else moved it first
      throw e;
    }
    const moved = readOwner(grave);
    if (!moved || moved.token !== holder.token) {
      // We moved a fresh lock another process had just created: put it back and yield to it.
      try {
        fs.linkSync(grave, file);
      } catch {
        // a third process holds it now; either way, not us
      }
      fs.rmSync(grave, { force: true });
      throw refused(root, file, moved ?? readOwner(file));
    }
    fs.rmSync(grave, { force: true });
    tookOver = holder;
  }
  throw refused(root, file, readOwner(file));
}

function makeLock(file: string, owner: LockOwner, tookOver: LockOwner | null): FolderLock {
  let released = false;
  return {
    file,
    owner,
    tookOver,
    release() {
      if (released) return;
      released = true;
      const now = readOwner(file);
      if (now && now.token === owner.token) fs.rmSync(file, { force: true });
    },
  };
}
