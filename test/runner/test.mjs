#!/usr/bin/env node
// `npm test`: every check the project has, in order, with a summary at the end.
//   setup      test/runner/setup-test-env.sh (chromium, Node 24, code-server, the Python test env into .test-env/; skipped when done)
//   typecheck  npm run typecheck (tsc --noEmit)
//   lint       npm run lint (eslint with the layering rules of eslint.config.mjs, prettier --check)
//   build      node src/build/build.mjs --tests
//   unit       node test/runner/unit.mjs (plain Node, node:test)
//   python     node test/runner/python.mjs (ruff + pytest in .test-env/py: the real TRL, verl, OpenRLHF, Ray, Math-Verify)
//   vscode     the integration suite in a real extension host (test/runner/run-vscode-tests.mjs)
//   vscode-untrusted  the Workspace Trust pass: the same host, an untrusted workspace (run-vscode-tests.mjs --untrusted)
//   e2e        package the .vsix, install it in code-server, drive the workbench (test/runner/run-e2e.mjs)
// A stage that fails does not stop the later ones (unless they cannot run: no build, no test env).
// The vscode, vscode-untrusted and e2e stages count only if they print their closing `<suite>: N passed, M failed`
// line with N > 0 and M = 0: a suite that did not run is a failure.
// Usage: npm test [-- --skip e2e,vscode] [--only unit]
// Writes out/test-artifacts/test-summary.json.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(import.meta.dirname, "../..");
const { values: opts } = parseArgs({ options: { skip: { type: "string", default: "" }, only: { type: "string", default: "" } } });
const skip = new Set(opts.skip.split(",").filter(Boolean));
const only = new Set(opts.only.split(",").filter(Boolean));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const STAGES = [
  { name: "setup", cmd: "bash", args: ["test/runner/setup-test-env.sh"] },
  { name: "typecheck", cmd: npm, args: ["run", "-s", "typecheck"] },
  { name: "lint", cmd: npm, args: ["run", "-s", "lint"] },
  { name: "build", cmd: process.execPath, args: ["src/build/build.mjs", "--tests"] },
  { name: "unit", cmd: process.execPath, args: ["test/runner/unit.mjs"], needs: ["build"], counts: unitCounts },
  { name: "python", cmd: process.execPath, args: ["test/runner/python.mjs"], needs: ["setup", "build"], counts: pytestCounts },
  { name: "vscode", cmd: process.execPath, args: ["test/runner/run-vscode-tests.mjs", "--no-build"], needs: ["setup", "build"], counts: closingLine("vscode") },
  {
    name: "vscode-untrusted",
    cmd: process.execPath,
    args: ["test/runner/run-vscode-tests.mjs", "--no-build", "--untrusted"],
    needs: ["setup", "build"],
    counts: closingLine("vscode-untrusted"),
  },
  { name: "e2e", cmd: process.execPath, args: ["test/runner/run-e2e.mjs"], needs: ["setup", "build"], counts: closingLine("e2e") },
];

const results = [];
const tAll = Date.now();
for (const stage of STAGES) {
  if (skip.has(stage.name) || (only.size && !only.has(stage.name))) {
    results.push({ name: stage.name, status: "skipped", seconds: 0, detail: "not asked for" });
    continue;
  }
  const blocked = (stage.needs ?? []).filter((n) => results.find((r) => r.name === n)?.status === "failed");
  if (blocked.length) {
    results.push({ name: stage.name, status: "failed", seconds: 0, detail: `not run: ${blocked.join(", ")} failed` });
    continue;
  }
  banner(`${stage.name}: ${[path.basename(stage.cmd), ...stage.args].join(" ")}`);
  const t0 = Date.now();
  const { code, output } = await runStage(stage);
  const seconds = (Date.now() - t0) / 1000;
  let status = code === 0 ? "passed" : "failed";
  let detail = code === 0 ? "" : `exit ${code}`;
  if (stage.counts) {
    const c = stage.counts(output);
    if (!c) {
      status = "failed";
      detail = `${detail ? `${detail}; ` : ""}no test counts in its output: the suite did not run`;
    } else {
      detail = `${c.passed} passed, ${c.failed} failed${detail ? ` (${detail})` : ""}`;
      if (c.passed === 0 || c.failed > 0) status = "failed";
      Object.assign(stage, { counted: c });
    }
  }
  results.push({ name: stage.name, status, seconds, detail, ...(stage.counted ? { passed: stage.counted.passed, failed: stage.counted.failed } : {}) });
}

const totalSeconds = (Date.now() - tAll) / 1000;
banner("summary");
for (const r of results) {
  const mark = r.status === "passed" ? "✓" : r.status === "skipped" ? "-" : "✗";
  console.log(`  ${mark} ${r.name.padEnd(16)} ${r.status.padEnd(8)} ${fmt(r.seconds).padStart(8)}  ${r.detail}`);
}
const failed = results.filter((r) => r.status === "failed");
console.log(`  total ${fmt(totalSeconds)}`);
fs.mkdirSync(path.join(root, "out/test-artifacts"), { recursive: true });
fs.writeFileSync(
  path.join(root, "out/test-artifacts/test-summary.json"),
  JSON.stringify({ ok: failed.length === 0, totalSeconds, stages: results, node: process.version, at: new Date().toISOString() }, null, 2),
);
console.log(failed.length ? `npm test: FAILED (${failed.map((r) => r.name).join(", ")})` : "npm test: all stages passed");
// One plain closing line over every suite that ran (unit, integration, untrusted, e2e).
const sum = (k) => results.reduce((n, r) => n + (r[k] ?? 0), 0);
if (results.some((r) => r.passed !== undefined)) console.log(`${sum("passed")} passed, ${sum("failed")} failed`);
process.exit(failed.length ? 1 : 0);

// ---------------------------------------------------------------------------------------------

/** Runs a stage with its output shown live and kept (for the counts). */
function runStage(stage) {
  return new Promise((resolve) => {
    const child = spawn(stage.cmd, stage.args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
    let output = "";
    const keep = (chunk, to) => {
      output += chunk;
      to.write(chunk);
    };
    child.stdout.on("data", (c) => keep(c.toString(), process.stdout));
    child.stderr.on("data", (c) => keep(c.toString(), process.stderr));
    child.on("error", (e) => {
      output += String(e);
      resolve({ code: 127, output });
    });
    child.on("close", (code, signal) => resolve({ code: code ?? `signal ${signal}`, output }));
  });
}

/** node --test's summary: "# pass N" / "# fail M" (TAP, when piped) or "ℹ pass N" (spec). */
function unitCounts(output) {
  const pass = [...output.matchAll(/^(?:# |ℹ )pass (\d+)$/gm)].map((m) => Number(m[1]));
  const fail = [...output.matchAll(/^(?:# |ℹ )fail (\d+)$/gm)].map((m) => Number(m[1]));
  if (!pass.length) return null;
  return { passed: pass.reduce((a, b) => a + b, 0), failed: fail.reduce((a, b) => a + b, 0) };
}

/** pytest's summary line, e.g. "==== 12 passed, 1 failed, 2 errors in 3.1s ====": errors count as failures, a skip too (a skipped test proves nothing). */
function pytestCounts(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = [...plain.matchAll(/^=+ (.*) in [\d.]+s(?: \([^)]*\))? =+$/gm)].at(-1);
  if (!m) return null;
  const n = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(m[1])?.[1] ?? 0);
  return { passed: n("passed"), failed: n("failed") + n("errors?") + n("skipped") + n("xpassed") };
}

/** The runners' closing line, e.g. "vscode: 12 passed, 0 failed" (the last one printed). */
function closingLine(suite) {
  return (output) => {
    const m = [...output.matchAll(new RegExp(`^${suite}: (\\d+) passed, (\\d+) failed$`, "gm"))].at(-1);
    return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
  };
}

function banner(text) {
  console.log(`\n===== ${text} ${"=".repeat(Math.max(0, 90 - text.length))}`);
}

function fmt(s) {
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(1)}s`;
}
