/**
 * Grading throughput and search cost (bundled and run by bench/search.mjs).
 *
 * grade: a corpus of gold/prediction pairs in every form src/grading handles (numbers, fractions,
 * LaTeX, expressions compared at random points, intervals, sets, tuples, text, choices, whole
 * solutions), graded by gradePair in-process and by `steplens grade --json` on a JSONL file of them.
 *
 * search: the same problems, N = 8 candidates, scored by the PRM role (math-shepherd adapter):
 *   best-of-N     8 full solutions (at most SOLUTION_TOKENS tokens each), ranked by the lowest step score
 *   beam search   B = 2 beams × E = 4 expansions (8 candidates per step), steps of at most STEP_TOKENS
 *                 tokens, at most MAX_STEPS steps
 * Reported per problem: tokens evaluated (generator prompts + PRM input actually run), generated, and
 * wall time. Models are generated GGUFs with RANDOM weights: the figures measure the engine's work,
 * not judgement (random text rarely ends a step or states an answer, so beams run to MAX_STEPS).
 * Usage: node bench/search.mjs [--problems N] [--gpu auto|off] [--100m]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { runCli } from "../src/cli/main";
import type { GpuSetting } from "../src/config";
import { createLlamaRuntime } from "../src/engines/local/llamaRuntime";
import { LocalEngine } from "../src/engines/local/localEngine";
import { gradePair } from "../src/grading";
import { clearMathCache } from "../src/grading/mathExpression";
import { prmScorer } from "../src/search/scorers";
import { runSearch, type SearchMode } from "../src/search/searchRunner";
import type { SearchProblem } from "../src/search/searchProblems";
import { testModel, type TestModelOptions } from "../test/support/testModels";
import { itemAt } from "./samples";

const args = process.argv.slice(2);
const WITH_100M = args.includes("--100m");
const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const GPU = (value("--gpu") ?? "off") as GpuSetting;
const PROBLEMS = Number(value("--problems") ?? 8);
const SOLUTION_TOKENS = 64;
const STEP_TOKENS = 16;
const MAX_STEPS = 4;
const root = process.cwd();
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

// ------------------------------------------------------------------ grading corpus
function gradingCorpus(): { gold: string; pred: string; kind: string }[] {
  const pairs: { gold: string; pred: string; kind: string }[] = [];
  for (let i = 0; i < 400; i++) {
    const n = i * 37 - 2000;
    pairs.push({ kind: "integer", gold: String(n), pred: `The total is ${n.toLocaleString("en-US")}.\nAnswer: ${n.toLocaleString("en-US")}` });
    pairs.push({ kind: "fraction", gold: `\\frac{${i + 1}}{${i + 2}}`, pred: `so \\boxed{${((i + 1) / (i + 2)).toPrecision(12)}}` });
    pairs.push({ kind: "expression", gold: `${i + 1}x^2 + ${i}x`, pred: `$x(${i + 1}x + ${i})$` });
    pairs.push({ kind: "interval", gold: `[${i}, ${i + 3})`, pred: `\\boxed{\\left[${i}, ${i + 3}\\right${i % 2 ? ")" : "]"}}` });
    pairs.push({ kind: "set", gold: `\\{${i}, ${i + 1}, ${-i}\\}`, pred: `x = ${-i}, ${i + 1}, ${i}` });
    pairs.push({ kind: "text", gold: i % 2 ? "Yes" : "(C)", pred: i % 2 ? "\\text{yes}." : "C" });
    pairs.push({
      kind: "solution",
      gold: `$${i}\\sqrt{2}$`,
      pred: `Step 1: We square both sides.\n\nStep 2: We get $2${i}^2$ = ${2 * i * i}.\n\nStep 3: So the answer is $\\boxed{\\sqrt{${2 * i * i}}}$.`,
    });
  }
  return pairs;
}

class Sink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer | string, _e: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    done();
  }
}

async function gradeBench() {
  const pairs = gradingCorpus();
  // Warm up the code (not the answers: the parse cache is emptied before each measurement, and the
  // corpus has no repeated expression, so every pair is parsed cold).
  for (let i = 0; i < 3; i++) for (const p of pairs.slice(0, 100)) gradePair(`${p.gold} `, `${p.pred} `);
  clearMathCache();
  const byKind: Record<string, { pairs: number; seconds: number; equal: number }> = {};
  const t0 = performance.now();
  for (const p of pairs) {
    const t = performance.now();
    const r = gradePair(p.gold, p.pred);
    const k = (byKind[p.kind] ??= { pairs: 0, seconds: 0, equal: 0 });
    k.pairs++;
    k.seconds += (performance.now() - t) / 1000;
    if (r.equal) k.equal++;
  }
  const seconds = (performance.now() - t0) / 1000;
  // The CLI on a JSONL file of the same pairs (reading, grading, one JSON line out per pair).
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-grade-")), "pairs.jsonl");
  fs.writeFileSync(file, pairs.map((p) => JSON.stringify({ gold: p.gold, pred: p.pred })).join("\n") + "\n");
  clearMathCache();
  const t1 = performance.now();
  const code = await runCli(["grade", file, "--json"], { stdout: new Sink(), stderr: new Sink(), env: {}, signal: new AbortController().signal, isTTY: false });
  const cliSeconds = (performance.now() - t1) / 1000;
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (code !== 0) throw new Error(`steplens grade exited ${code}`);
  return {
    pairs: pairs.length,
    pairsPerSecond: Math.round(pairs.length / seconds),
    cliPairsPerSecond: Math.round(pairs.length / cliSeconds),
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([k, v]) => [k, { pairs: v.pairs, equal: v.equal, pairsPerSecond: Math.round(v.pairs / v.seconds) }]),
    ),
  };
}

// ------------------------------------------------------------------ search cost
const QUESTIONS = [
  "A farmer has 17 sheep and buys 3 times as many goats as sheep. How many animals does he have?",
  "What is the sum of the first 20 positive integers?",
  "Solve for x: 3x + 7 = 25.",
  "A rectangle is 12 cm long and 5 cm wide. What is its diagonal?",
  "How many ways can 4 books be arranged on a shelf?",
  "What is 15% of 240?",
  "Find the remainder when 2^10 is divided by 7.",
  "A train travels 180 km in 2.5 hours. What is its average speed in km/h?",
];
const ANSWERS = ["68", "210", "6", "13", "24", "36", "2", "72"];

interface Row {
  model: string;
  device: string;
  mode: string;
  candidates: number;
  problems: number;
  evaluatedPerProblem: number;
  generatedPerProblem: number;
  totalPerProblem: number;
  generator: { evaluated: number; generated: number };
  scorer: { evaluated: number; generated: number };
  secondsPerProblem: number;
}

async function searchBench(): Promise<Row[]> {
  // The tiny model only by default: the ~100M random-weight model mostly samples tokens that decode to
  // nothing, so its solutions have no steps to score or expand (--100m measures it anyway).
  const cases: { label: string; options: TestModelOptions }[] = [{ label: "tiny (random weights)", options: { tokenizer: "bpe", chatTemplate: true } }];
  if (WITH_100M) cases.push({ label: "100M (random weights)", options: { tokenizer: "bpe", chatTemplate: true, size: "100m" } });
  const problems: SearchProblem[] = QUESTIONS.slice(0, PROBLEMS).map((p, i) => ({
    id: `q${i}`,
    problem: p,
    reference: itemAt(ANSWERS, i, "answer"),
    line: i + 1,
  }));
  const modes: SearchMode[] = [
    { kind: "best-of-n", n: 8 },
    { kind: "beam", beams: 2, expansions: 4, maxSteps: MAX_STEPS },
  ];
  const runtime = await createLlamaRuntime({ gpu: GPU, maxThreads: 0 });
  const rows: Row[] = [];
  try {
    for (const c of cases) {
      const file = await testModel(c.options);
      const engine = await LocalEngine.create(
        {
          gpu: GPU,
          maxThreads: 0,
          contextSize: 2048,
          sequences: 8,
          modelCacheDir: "",
          prm: { adapter: "math-shepherd" },
          models: { generator: file, prm: file },
        },
        { runtime },
      );
      try {
        await engine.generate({ role: "generator", prompt: "warm up", maxTokens: 2 });
        for (const mode of modes) {
          const t = performance.now();
          const { records, summary } = await runSearch({
            models: { engine, scorer: prmScorer(engine) },
            problems,
            mode,
            generator: { temperature: 0.8, seed: 0, maxTokens: mode.kind === "beam" ? STEP_TOKENS : SOLUTION_TOKENS },
            settings: {},
          });
          const seconds = (performance.now() - t) / 1000;
          const sum = (f: (r: (typeof records)[number]) => number) => records.reduce((a, r) => a + f(r), 0) / records.length;
          const row: Row = {
            model: c.label,
            device: runtime.device,
            mode: mode.kind === "beam" ? `beam B=${mode.beams} E=${mode.expansions} S=${mode.maxSteps}` : `best-of-${mode.n}`,
            candidates: 8,
            problems: records.length,
            evaluatedPerProblem: r1(summary.evaluatedPerProblem ?? 0),
            generatedPerProblem: r1(summary.generatedPerProblem ?? 0),
            totalPerProblem: r1(summary.tokensPerProblem ?? 0),
            generator: { evaluated: r1(sum((r) => r.tokens.generator.evaluated)), generated: r1(sum((r) => r.tokens.generator.generated)) },
            scorer: { evaluated: r1(sum((r) => r.tokens.scorer.evaluated)), generated: r1(sum((r) => r.tokens.scorer.generated)) },
            secondsPerProblem: r2(seconds / records.length),
          };
          rows.push(row);
          console.log(
            `${c.label} ${row.mode}: ${row.totalPerProblem} tokens/problem (${row.evaluatedPerProblem} evaluated + ${row.generatedPerProblem} generated), ${row.secondsPerProblem} s/problem`,
          );
        }
      } finally {
        await engine.dispose();
      }
    }
  } finally {
    await runtime.dispose();
  }
  return rows;
}

async function main(): Promise<void> {
  const grade = await gradeBench();
  console.log(`grade: ${grade.pairsPerSecond} pairs/s in-process, ${grade.cliPairsPerSecond} pairs/s through steplens grade --json (${grade.pairs} pairs)`);
  const search = await searchBench();
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "", node: process.version },
    grade,
    search: {
      problems: PROBLEMS,
      solutionTokens: SOLUTION_TOKENS,
      stepTokens: STEP_TOKENS,
      maxSteps: MAX_STEPS,
      scorer: "prm (math-shepherd adapter)",
      rows: search,
    },
  };
  const dir = path.join(root, "bench/results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "search.json"), JSON.stringify(result, null, 2) + "\n");
  const md = [
    `# Answer grading throughput and search cost`,
    ``,
    `${result.machine.cpus} CPU threads (${result.machine.cpu}), Node ${process.version}.`,
    ``,
    `## grade`,
    ``,
    `${grade.pairs} gold/prediction pairs: ${grade.pairsPerSecond} pairs/s with gradePair in-process, ${grade.cliPairsPerSecond} pairs/s through \`steplens grade --json\` (reading the JSONL, one JSON line out per pair).`,
    ``,
    `| kind | pairs | equal | pairs/s |`,
    `|---|---:|---:|---:|`,
    ...Object.entries(grade.byKind).map(([k, v]) => `| ${k} | ${v.pairs} | ${v.equal} | ${v.pairsPerSecond} |`),
    ``,
    `## search: best-of-N vs beam search at N = 8 (PRM scorer)`,
    ``,
    `${PROBLEMS} problems; best-of-8 solutions of at most ${SOLUTION_TOKENS} tokens; beam search B = 2 × E = 4 with steps of at most ${STEP_TOKENS} tokens and at most ${MAX_STEPS} steps; ${search[0]?.device ?? ""}. Random-weight models: engine work, not judgement (accuracy is not reported).`,
    ``,
    `| model | search | tokens/problem | evaluated | generated | generator evaluated / generated | PRM evaluated | s/problem |`,
    `|---|---|---:|---:|---:|---:|---:|---:|`,
    ...search.map(
      (r) =>
        `| ${r.model} | ${r.mode} | ${r.totalPerProblem} | ${r.evaluatedPerProblem} | ${r.generatedPerProblem} | ${r.generator.evaluated} / ${r.generator.generated} | ${r.scorer.evaluated} | ${r.secondsPerProblem} |`,
    ),
    ``,
  ].join("\n");
  fs.writeFileSync(path.join(dir, "search.md"), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
