#!/usr/bin/env node
// Builds unit tests (each file on its own, so one broken file does not hide the others) and runs
// them with node's test runner. Usage: node test/runner/unit.mjs [test/unit/foo.test.ts ...]
import esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(import.meta.dirname, "../..");
let files = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (!files.length)
  files = fs
    .readdirSync(path.join(root, "test/unit"), { recursive: true })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join("test/unit", f));
const outs = [];
let buildFailed = false;
for (const f of files) {
  const out = path.join("out", f.replace(/\.ts$/, ".js"));
  try {
    await esbuild.build({
      entryPoints: [f],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      sourcemap: "inline",
      absWorkingDir: root,
      logLevel: "error",
      external: ["vscode", "node-llama-cpp", "@node-llama-cpp/*"],
    });
    outs.push(out);
  } catch {
    console.error(`build failed: ${f}`);
    buildFailed = true;
  }
}
if (!outs.length) {
  console.error("unit: no test file could be built");
  process.exit(1);
}
const extra = process.argv.slice(2).filter((a) => a.startsWith("--"));
const r = spawnSync(process.execPath, ["--enable-source-maps", "--test", "--test-concurrency=1", ...extra, ...outs], { cwd: root, stdio: "inherit" });
process.exit(buildFailed ? 1 : (r.status ?? 1));
