#!/usr/bin/env node
// StepLens's answer grading side by side with Hugging Face's Math-Verify (the Python test env's
// math-verify), on the corpus of bench/grading/corpus.mjs (≥ 5,000 real and systematic
// (gold, prediction) pairs, each with the verdict it must get), and `steplens grade` throughput
// (pairs/s) of this tree against the grader of a base commit, in one run.
//
// Writes bench/results/grading-compare.json (figures, per category) and
// bench/results/grading-disagreements.jsonl (every pair where the two graders differ, with the
// reviewed verdict of bench/grading/reviewed.json).
//
// Usage: node bench/grading-compare.mjs [--python PATH] [--base COMMIT] [--no-math-verify]
//   --python  the interpreter with math-verify (default .test-env/py/bin/python)
//   --base    the commit whose grader is the "before" of the throughput figure (default below)
// The measurement code is bench/gradingCompareBench.ts, bundled and run by bench/runTs.mjs.
import esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { runTsBench } from "./runTs.mjs";

/** The last commit before issue 21's grading changes. */
const DEFAULT_BASE = "0b6ff80";
const root = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const at = args.indexOf("--base");
const base = at >= 0 ? args[at + 1] : DEFAULT_BASE;

// The base commit's CLI, bundled as a module exporting runCli (its `grade` is the "before").
const baseDir = path.join(root, "out/bench/grading-base");
fs.rmSync(baseDir, { recursive: true, force: true });
fs.mkdirSync(baseDir, { recursive: true });
const tar = execFileSync("git", ["archive", "--format=tar", base, "src"], { cwd: root, maxBuffer: 1 << 28 });
execFileSync("tar", ["-x", "-C", baseDir], { input: tar });
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
await esbuild.build({
  entryPoints: [path.join(baseDir, "src/cli/main.ts")],
  outfile: path.join(root, "out/bench/grading-base-cli.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
  define: { STEPLENS_VERSION: JSON.stringify(pkg.version), STEPLENS_CLI_ENTRY: "false" },
  external: ["node-llama-cpp", "@node-llama-cpp/*", "vscode"],
  nodePaths: [path.join(root, "node_modules")],
});
process.argv.push("--base-commit", base);
await runTsBench("gradingCompare");
