import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { StepLensError } from "../../src/core/errors";
import { AtomicFile, appendFileSafe, checkWritePath, ensureDir, isInside, openAppendSafe, readFileSafe, writeFileAtomic } from "../../src/core/safeFs";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-safefs-"));
after(() => fs.rmSync(base, { recursive: true, force: true }));
let n = 0;
/** A fresh root folder and, outside it, a victim file that a hostile link points at. */
function setup() {
  const root = path.join(base, `ws${n++}`);
  fs.mkdirSync(root, { recursive: true });
  const victim = path.join(base, `victim${n}.txt`);
  fs.writeFileSync(victim, "precious\n");
  return { root, victim };
}
const unsafe = (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path";

test("append and atomic write create folders and files below the root", () => {
  const { root } = setup();
  const file = path.join(root, ".steplens", "labels.jsonl");
  appendFileSafe(file, root, "a\n");
  appendFileSafe(file, root, "b\n", { fsync: true });
  assert.equal(fs.readFileSync(file, "utf8"), "a\nb\n");
  writeFileAtomic(path.join(root, "run", "run.json"), root, "{}\n");
  assert.equal(fs.readFileSync(path.join(root, "run", "run.json"), "utf8"), "{}\n");
  writeFileAtomic(path.join(root, "run", "run.json"), root, '{"x":1}\n');
  assert.equal(fs.readFileSync(path.join(root, "run", "run.json"), "utf8"), '{"x":1}\n');
  assert.deepEqual(fs.readdirSync(path.join(root, "run")), ["run.json"]); // no temp left behind
  assert.equal(readFileSafe(file, root), "a\nb\n");
  assert.equal(readFileSafe(path.join(root, "missing"), root), null);
});

test("a symlinked target is never written through, read through or replaced", () => {
  const { root, victim } = setup();
  fs.mkdirSync(path.join(root, ".steplens"));
  const file = path.join(root, ".steplens", "labels.jsonl");
  fs.symlinkSync(victim, file);
  assert.throws(
    () => appendFileSafe(file, root, "evil\n"),
    (e: unknown) => unsafe(e) && /symbolic link/.test((e as Error).message) && (e as StepLensError).format().includes(file),
  );
  assert.throws(() => writeFileAtomic(file, root, "evil\n"), unsafe);
  assert.throws(() => readFileSafe(file, root), unsafe);
  assert.equal(fs.readFileSync(victim, "utf8"), "precious\n");
  assert.ok(fs.lstatSync(file).isSymbolicLink()); // left as it was
});

test("a symlinked folder component (.steplens -> elsewhere) is refused", () => {
  const { root, victim } = setup();
  const outside = path.dirname(victim);
  fs.symlinkSync(outside, path.join(root, ".steplens"));
  const file = path.join(root, ".steplens", path.basename(victim));
  assert.throws(
    () => appendFileSafe(file, root, "evil\n"),
    (e: unknown) => unsafe(e) && (e as StepLensError).details.file === path.join(root, ".steplens"),
  );
  assert.throws(() => ensureDir(path.join(root, ".steplens", "sub"), root), unsafe);
  assert.throws(() => new AtomicFile(file, root), unsafe);
  assert.equal(fs.readFileSync(victim, "utf8"), "precious\n");
});

test("non-regular targets (a FIFO, a folder) and paths outside the root are refused", () => {
  const { root } = setup();
  fs.mkdirSync(path.join(root, "dir"));
  assert.throws(
    () => appendFileSafe(path.join(root, "dir"), root, "x"),
    (e: unknown) => unsafe(e) && /folder/.test((e as Error).message),
  );
  if (process.platform !== "win32") {
    execFileSync("mkfifo", [path.join(root, "fifo")]);
    assert.throws(
      () => appendFileSafe(path.join(root, "fifo"), root, "x"),
      (e: unknown) => unsafe(e) && /pipe/.test((e as Error).message),
    );
  }
  assert.throws(
    () => checkWritePath(path.join(root, "..", "escape.txt"), root),
    (e: unknown) => unsafe(e) && /outside/.test((e as Error).message),
  );
  assert.ok(isInside(path.join(root, "a", "b"), root));
  assert.ok(!isInside(path.join(root, "..", "x"), root));
  assert.ok(!isInside(`${root}-sibling`, root));
});

test("the root itself may be a link the user made; the atomic writer aborts cleanly", () => {
  const { root } = setup();
  const alias = `${root}-alias`;
  fs.symlinkSync(root, alias);
  appendFileSafe(path.join(alias, "out", "raw.jsonl"), alias, "{}\n");
  assert.equal(fs.readFileSync(path.join(root, "out", "raw.jsonl"), "utf8"), "{}\n");
  const f = new AtomicFile(path.join(root, "out", "m.json"), root);
  f.write("partial");
  f.abort();
  assert.deepEqual(fs.readdirSync(path.join(root, "out")), ["raw.jsonl"]);
  const fd = openAppendSafe(path.join(root, "out", "raw.jsonl"), root);
  fs.writeSync(fd, "{}\n");
  fs.closeSync(fd);
  assert.equal(fs.readFileSync(path.join(root, "out", "raw.jsonl"), "utf8"), "{}\n{}\n");
});

test("a root that does not exist yet is created; nothing above it is checked against it", () => {
  const root = path.join(base, `new${n++}`, "ws");
  appendFileSafe(path.join(root, ".steplens", "labels.jsonl"), root, "x\n");
  assert.equal(readFileSafe(path.join(root, ".steplens", "labels.jsonl"), root), "x\n");
});
