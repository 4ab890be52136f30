#!/usr/bin/env node
/**
 * The noUncheckedIndexedAccess ratchet. TypeScript's `noUncheckedIndexedAccess` (an index read may
 * be undefined) is not on for the whole tree yet; the folders listed in
 * test/runner/indexed-access-clean.json already compile under it and must stay so. This runs tsc
 * once with the flag and fails when any error lies in one of those folders; errors elsewhere are
 * counted and printed as the work left. Add a folder to the list when it is clean.
 *
 *   node test/runner/typecheck-indexed.mjs          check the listed folders
 *   node test/runner/typecheck-indexed.mjs --all    print every error (for the next folder's work)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const clean = JSON.parse(fs.readFileSync(path.join(root, "test/runner/indexed-access-clean.json"), "utf8")).folders;
const tsc = path.join(root, "node_modules/typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", ".", "--noUncheckedIndexedAccess", "--pretty", "false"], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
  timeout: 600_000,
});
if (r.error) {
  console.error(`typecheck-indexed: tsc did not run: ${r.error.message}`);
  process.exit(1);
}
const errors = r.stdout.split("\n").filter((l) => /^[^(\s]+\(\d+,\d+\): error TS/.test(l));
const inClean = errors.filter((l) => clean.some((f) => l.startsWith(f.endsWith("/") ? f : `${f}/`)));
const byFolder = new Map();
for (const l of errors) {
  const folder = l.split("(")[0].split("/").slice(0, 2).join("/");
  byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
}
if (process.argv.includes("--all")) for (const l of errors) console.log(l);
const left = [...byFolder].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${n}`);
console.log(
  `noUncheckedIndexedAccess: ${clean.length} folders clean (${clean.join(", ")}); ${errors.length} errors left elsewhere${left.length ? `: ${left.join(", ")}` : ""}`,
);
if (inClean.length) {
  console.error(`\n${inClean.length} error(s) in folders that must stay clean under noUncheckedIndexedAccess:`);
  for (const l of inClean) console.error(`  ${l}`);
  console.error("Guard the index (a check, for…of, .at() with a test) rather than asserting it with '!'.");
  process.exit(1);
}
