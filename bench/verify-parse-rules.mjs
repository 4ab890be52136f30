#!/usr/bin/env node
// How many of the verifier-output test fixtures (test/fixtures/verifier-outputs/cases.json) parse
// under each reading rule, before and after issue 10 (SPARK's and ProcessBench's published rules):
// - StepLens's parser at a commit from before the change (--before, default 5895127; read with
//   `git archive`, skipped when git or the commit is not there) and now, with its default rules;
// - now with SPARK's first-match final verdict (finalVerdictRule "spark");
// - now with ProcessBench's official critic reading (criticIndex "official");
// - SPARK's own published parsing, re-implemented here from its public code for comparison
//   (critique/1_step_outcome_formatting.py: split at the first </think>, else at "\n\n## Step 1:";
//   step regex `## Step (\d+):.*?\*\*This step is (correct|incorrect)\.\*\*`, fallback `**Step k:`;
//   the first matching outcome pattern), and ProcessBench's run_eval.py reading (last
//   \boxed{[^}]*}, int()).
// Counts: "parsed" = a usable parse; "final" = a final Yes/No verdict read; "index" = a critic index.
// Usage: node bench/verify-parse-rules.mjs [--before <commit>]   Results: bench/results/verify-parse-rules.json
import esbuild from "esbuild";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const root = path.resolve(import.meta.dirname, "..");
const argAt = process.argv.indexOf("--before");
const BEFORE = argAt >= 0 ? process.argv[argAt + 1] : "5895127";
const FIX = path.join(root, "test/fixtures/verifier-outputs");
const { cases } = JSON.parse(fs.readFileSync(path.join(FIX, "cases.json"), "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-parse-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

async function loadParser(srcRoot, name) {
  const out = path.join(tmp, `${name}.cjs`);
  await esbuild.build({
    stdin: { contents: `export { parseVerification } from "./src/verify/verdictParser";`, resolveDir: srcRoot, loader: "ts", sourcefile: `${name}-entry.ts` },
    outfile: out,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "error",
  });
  return createRequire(import.meta.url)(out).parseVerification;
}

let before = null;
let beforeNote = `StepLens at ${BEFORE}`;
const old = path.join(tmp, "before");
fs.mkdirSync(old);
const archive = spawnSync("sh", ["-c", `git -C "${root}" archive ${BEFORE} src | tar -x -C "${old}"`], { encoding: "utf8" });
if (archive.status === 0) before = await loadParser(old, "before");
else beforeNote = `skipped (git archive ${BEFORE} failed: ${archive.stderr.trim().split("\n")[0]})`;
const now = await loadParser(root, "now");

// --- SPARK's published parsing (re-implemented from its public code, for comparison only) ---
function sparkStrip(text, starts) {
  if (text.includes("</think>")) return text.split("</think>").slice(1).join("</think>");
  for (const s of starts) {
    const i = text.search(s);
    if (i >= 0) return text.slice(i + 2);
  }
  return text;
}
function sparkSteps(text) {
  const t = sparkStrip(text, [/\n\n## Step 1:/]);
  let m = [...t.matchAll(/## Step (\d+):[\s\S]*?\*\*This step is (correct|incorrect)\.\*\*/gi)];
  if (!m.length) m = [...t.matchAll(/\*\*Step (\d+):[\s\S]*?\*\*This step is (correct|incorrect)\.\*\*/gi)];
  return new Map(m.map((x) => [x[1], x[2].toLowerCase()]));
}
const SPARK_OUTCOME = [
  /Verification:\s*Is the answer correct.*?\?\s*(Yes|No)/i,
  /Is the answer correct.*?\?\s*(Yes|No)/i,
  /answer correct.*?\?\s*(Yes|No)/i,
  /\*\*Verification:\s*Is the answer correct.*?\?\s*(Yes|No)\*\*/i,
  /\?\s*(Yes|No)\s*\*\*\s*$/i,
  /\?\s*(Yes|No)\s*$/i,
];
function sparkOutcome(text) {
  const t = sparkStrip(text, [/\n\n## Step 1:/, /\n\n\*\*Verification:/, /\n\nVerification:/, /\n\nIs the answer correct/]);
  for (const re of SPARK_OUTCOME) {
    const m = re.exec(t);
    if (m) return m[1];
  }
  return null;
}
function officialIndex(text) {
  const all = [...text.matchAll(/\\boxed\{([^}]*)\}/g)];
  if (!all.length) return null;
  const s = all[all.length - 1][1].trim();
  return /^[+-]?\d+(?:_\d+)*$/.test(s) ? Number(s.replace(/_/g, "")) : null;
}

const groups = { spark: [], thinkprm: [], processbench: [] };
for (const c of cases) (groups[c.format] ?? (groups[c.format] = [])).push(c);

function count(list, fn) {
  return list.reduce((n, c) => n + (fn(c) ? 1 : 0), 0);
}
const text = (c) => fs.readFileSync(path.join(FIX, c.file), "utf8");
const parse = (p, c, extra = {}) => p(text(c), { stepCount: c.stepCount, format: c.format, json: c.json, finishReason: c.finishReason ?? "stop", ...extra });

const rows = [];
for (const [format, list] of Object.entries(groups)) {
  if (!list.length) continue;
  const row = { format, fixtures: list.length };
  if (before) row.beforeParsed = count(list, (c) => parse(before, c).ok);
  row.nowParsed = count(list, (c) => parse(now, c).ok);
  row.recovered = count(list, (c) => parse(now, c).recovered === true);
  if (format !== "processbench") {
    if (before)
      row.beforeFinal = count(list, (c) => {
        const r = parse(before, c);
        return r.ok && r.finalVerdict !== null;
      });
    row.nowFinalStepLens = count(list, (c) => {
      const r = parse(now, c);
      return r.ok && r.finalVerdict !== null;
    });
    row.nowFinalSpark = count(list, (c) => {
      const r = parse(now, c, { finalVerdictRule: "spark" });
      return r.ok && r.finalVerdict !== null;
    });
    row.sparkScriptParsed = count(list, (c) => sparkSteps(text(c)).size > 0 || sparkOutcome(text(c)) !== null);
    row.sparkScriptFinal = count(list, (c) => sparkOutcome(text(c)) !== null);
  } else {
    if (before)
      row.beforeIndex = count(list, (c) => {
        const r = parse(before, c);
        return r.ok && r.firstError !== null;
      });
    row.nowIndexLenient = count(list, (c) => {
      const r = parse(now, c);
      return r.ok && r.firstError !== null;
    });
    row.nowIndexOfficial = count(list, (c) => {
      const r = parse(now, c, { criticIndex: "official" });
      return r.ok && r.firstError !== null;
    });
    row.officialScriptIndex = count(list, (c) => officialIndex(text(c)) !== null);
  }
  rows.push(row);
}

const result = { date: new Date().toISOString(), before: beforeNote, fixtures: cases.length, rows };
fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench/results/verify-parse-rules.json"), JSON.stringify(result, null, 2) + "\n");
console.log(`verifier-output fixtures: ${cases.length}; before = ${beforeNote}`);
console.table(rows);
