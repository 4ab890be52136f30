/**
 * The measurement behind bench/grading-compare.mjs (see there): Math-Verify and StepLens on every
 * pair of the corpus, agreement overall and per category, each disagreement with its reviewed
 * verdict, and `steplens grade` throughput of this tree and of the base commit's grader in one run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { runCli } from "../src/cli/main";
import { gradePair } from "../src/grading";
import { memoryIo } from "../test/support/cliIo";
import { buildCorpus, CATEGORIES } from "./grading/corpus.mjs";
import { agreementReport, loadReviewed, runMathVerify, type CorpusPair } from "./grading/compare";

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const root = process.cwd();
const python = flag("--python") ?? path.join(root, ".test-env/py/bin/python");
const baseCommit = flag("--base-commit") ?? "(unknown)";
const skipMathVerify = process.argv.includes("--no-math-verify");

type RunCli = typeof runCli;

/** The median; of two middles, their mean. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const lower = s[Math.ceil(s.length / 2) - 1];
  const upper = s[Math.floor(s.length / 2)];
  if (lower === undefined || upper === undefined) throw new Error("median of no samples");
  return s.length % 2 ? upper : (lower + upper) / 2;
}

/** One `steplens grade <file> --json` in memory: seconds. */
async function gradeOnce(run: RunCli, file: string, pairs: number): Promise<number> {
  const io = memoryIo();
  const t0 = performance.now();
  const code = await run(["grade", file, "--json"], io);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`grade exited ${code}: ${io.err().slice(0, 500)}`);
  const lines = io.out().trimEnd().split("\n").length;
  if (lines !== pairs) throw new Error(`grade printed ${lines} lines for ${pairs} pairs`);
  return seconds;
}

async function main() {
  const corpus = buildCorpus({ root }) as CorpusPair[];
  console.log(`corpus: ${corpus.length} pairs in ${new Set(corpus.map((p) => p.category)).size} categories`);

  // StepLens on every pair.
  const t0 = performance.now();
  const steplens = new Map<string, boolean>();
  for (const p of corpus) steplens.set(p.id, gradePair(p.gold, p.pred).equal);
  const inProcessSeconds = (performance.now() - t0) / 1000;

  // Math-Verify on every pair.
  let mathVerify = new Map<string, boolean>();
  let mvSeconds = 0;
  if (!skipMathVerify) {
    const t1 = performance.now();
    mathVerify = await runMathVerify(python, corpus, { timeoutMs: 30 * 60_000 });
    mvSeconds = (performance.now() - t1) / 1000;
  }

  const reviewed = loadReviewed(path.join(root, "bench/grading/reviewed.json"));
  const report = skipMathVerify ? null : agreementReport(corpus, steplens, mathVerify, reviewed, CATEGORIES);

  // Throughput before/after: the base commit's `grade` and this tree's, same file, same process.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-grading-bench-"));
  const file = path.join(tmp, "pairs.jsonl");
  fs.writeFileSync(file, corpus.map((p) => JSON.stringify({ gold: p.gold, pred: p.pred })).join("\n") + "\n");
  const baseRun = (createRequire(__filename)(path.join(root, "out/bench/grading-base-cli.js")) as { runCli: RunCli }).runCli;
  // Rounds alternate (before, after, before, …) so load from other jobs falls on both alike; best of each.
  const rounds = 5;
  const beforeSeconds: number[] = [];
  const afterSeconds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    beforeSeconds.push(await gradeOnce(baseRun, file, corpus.length));
    afterSeconds.push(await gradeOnce(runCli, file, corpus.length));
  }
  const before = { pairsPerSecond: corpus.length / Math.min(...beforeSeconds), seconds: beforeSeconds };
  const after = { pairsPerSecond: corpus.length / Math.min(...afterSeconds), seconds: afterSeconds };
  fs.rmSync(tmp, { recursive: true, force: true });

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", node: process.version },
    corpus: { pairs: corpus.length, expectedEqual: corpus.filter((p) => p.expected).length },
    throughput: {
      note: "steplens grade <corpus as JSONL> --json, in memory, best of 5 alternating rounds; before = the base commit's grader, after = this tree, one run",
      baseCommit,
      beforePairsPerSecond: Math.round(before.pairsPerSecond),
      afterPairsPerSecond: Math.round(after.pairsPerSecond),
      afterOverBefore: Number((after.pairsPerSecond / before.pairsPerSecond).toFixed(2)),
      medianBeforeSeconds: Number(median(before.seconds).toFixed(3)),
      medianAfterSeconds: Number(median(after.seconds).toFixed(3)),
      afterOverBeforeByMedian: Number((median(before.seconds) / median(after.seconds)).toFixed(2)),
      beforeSeconds: before.seconds.map((s) => Number(s.toFixed(3))),
      afterSeconds: after.seconds.map((s) => Number(s.toFixed(3))),
      gradePairInProcessPairsPerSecond: Math.round(corpus.length / inProcessSeconds),
    },
    mathVerifySeconds: Number(mvSeconds.toFixed(1)),
    ...(report ? { agreement: report.summary } : {}),
  };
  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/results/grading-compare.json"), JSON.stringify(result, null, 2) + "\n");
  if (report) {
    fs.writeFileSync(path.join(root, "bench/results/grading-disagreements.jsonl"), report.disagreements.map((d) => JSON.stringify(d)).join("\n") + "\n");
    console.log(JSON.stringify(report.summary.overall, null, 2));
    for (const [c, s] of Object.entries(report.summary.perCategory)) console.log(c.padEnd(14), JSON.stringify(s));
    if (report.unreviewed.length)
      console.log(`${report.unreviewed.length} disagreements without a reviewed verdict (see bench/results/grading-disagreements.jsonl)`);
  }
  console.log(JSON.stringify(result.throughput, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
