/**
 * A small hand-made `steplens synthesize` folder (the layout of docs/synthesis.md), a ProcessBench
 * file and helpers to run `steplens export` through runCli with in-memory streams.
 */
import fs from "node:fs";
import path from "node:path";
import { before } from "node:test";
import { cli } from "../support/cliIo";
import { suiteTempDir } from "../support/tempDir";

export { cli };

export function readJsonl(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

type Labels = (boolean | null)[];

interface FixtureSolution {
  problemId: string;
  sample: number;
  problem: string;
  steps: string[];
  labels: Labels | null; // null: no label line yet
  outcome: "yes" | "no" | null;
  answer: string;
  reference?: string | null;
}

const PROBLEMS = {
  p1: "What is 2 + 3 * 4?",
  p2: "A box holds 6 eggs. How many eggs are in 3 boxes?",
  p3: "What is 10 / 2?",
};

/** Solutions: p1 mixed (2 correct, 1 wrong), p2 mixed (1 correct, 2 wrong), p3 unanimous (2 correct). */
export const FIXTURE_SOLUTIONS: FixtureSolution[] = [
  {
    problemId: "p1",
    sample: 0,
    problem: PROBLEMS.p1,
    steps: ["3 * 4 = 12.", "2 + 12 = 14.", "The answer is \\boxed{14}."],
    labels: [true, true, true],
    outcome: "yes",
    answer: "14",
  },
  {
    problemId: "p1",
    sample: 1,
    problem: PROBLEMS.p1,
    steps: ["2 + 3 = 5.", "5 * 4 = 20.", "The answer is \\boxed{20}."],
    labels: [false, null, null],
    outcome: "no",
    answer: "20",
  },
  {
    problemId: "p1",
    sample: 2,
    problem: PROBLEMS.p1,
    steps: ["Multiply first: 12.", "Add 2: 14.", "\\boxed{14}"],
    labels: [true, true, true],
    outcome: "yes",
    answer: "14",
  },
  { problemId: "p2", sample: 0, problem: PROBLEMS.p2, steps: ["6 * 3 = 18.", "So \\boxed{18}."], labels: [true, true], outcome: "yes", answer: "18" },
  { problemId: "p2", sample: 1, problem: PROBLEMS.p2, steps: ["6 + 3 = 9.", "So \\boxed{9}."], labels: [false, false], outcome: "no", answer: "9" },
  {
    problemId: "p2",
    sample: 2,
    problem: PROBLEMS.p2,
    steps: ["6 * 3 = 18.", "18 - 1 = 17.", "So \\boxed{17}."],
    labels: [true, false, null],
    outcome: "no",
    answer: "17",
  },
  { problemId: "p3", sample: 0, problem: PROBLEMS.p3, steps: ["10 / 2 = 5.", "\\boxed{5}"], labels: [true, true], outcome: "yes", answer: "5", reference: "5" },
  {
    problemId: "p3",
    sample: 1,
    problem: PROBLEMS.p3,
    steps: ["Half of 10 is 5.", "\\boxed{5}"],
    labels: [true, true],
    outcome: "yes",
    answer: "5",
    reference: "5",
  },
  { problemId: "p3", sample: 2, problem: PROBLEMS.p3, steps: ["Half of 10 is 5."], labels: null, outcome: null, answer: "5", reference: "5" },
];

export const solutionId = (s: { problemId: string; sample: number }) => `${s.problemId}#s${s.sample}`;

function verificationText(s: FixtureSolution, labels: Labels, agree: boolean, thinking: boolean): string {
  const body = s.steps
    .map((t, i) => {
      const l = agree ? labels[i] : !(labels[i] ?? true);
      return `## Step ${i + 1}: The step says "${t}". **This step is ${l === false ? "incorrect" : "correct"}.**`;
    })
    .join("\n\n");
  const final = agree ? s.outcome === "yes" : s.outcome !== "yes";
  return `${thinking ? "<think>let me check each step</think>\n" : ""}${body}\n\n**Verification: Is the answer correct (Yes/No)? ${final ? "Yes" : "No"}**`;
}

function parseOf(s: FixtureSolution, labels: Labels, agree: boolean) {
  return {
    ok: true,
    via: "sections",
    steps: s.steps.map((_, i) => {
      const l = agree ? labels[i] : !(labels[i] ?? true);
      return { index: i, verdict: l === false ? "incorrect" : "correct", critique: "" };
    }),
    finalVerdict: (agree ? s.outcome === "yes" : s.outcome !== "yes") ? "yes" : "no",
    boxedIndex: null,
    firstError: null,
    summary: "",
    warnings: [],
    truncated: false,
  };
}

/** Writes the synthesis folder (2 verifications per solution: v0 agrees, v1 disagrees) and returns it. */
export function writeSynthesisFolder(dir: string, opts: { tornLastLine?: boolean } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const solutions: string[] = [];
  const verifications: string[] = [];
  const labels: string[] = [];
  for (const s of FIXTURE_SOLUTIONS) {
    const id = solutionId(s);
    const text = s.steps.map((t, i) => `Step ${i + 1}: ${t}`).join("\n") + `\nAnswer: ${s.answer}`;
    solutions.push(
      JSON.stringify({
        id,
        problemId: s.problemId,
        sample: s.sample,
        problem: s.problem,
        text,
        steps: s.steps,
        finalAnswer: s.answer,
        finishReason: "stop",
        tokens: 20,
        seed: s.sample,
        model: "test",
        reference: s.reference ?? null,
        answerCorrect: null,
      }),
    );
    if (!s.labels) continue;
    for (const v of [0, 1]) {
      verifications.push(
        JSON.stringify({
          id: `${id}#v${v}`,
          solutionId: id,
          problemId: s.problemId,
          sample: s.sample,
          verification: v,
          text: verificationText(s, s.labels, v === 0, v === 0),
          finishReason: "stop",
          tokens: 30,
          seed: v,
          model: "test",
          template: "spark",
          referenceGuided: false,
          parse: parseOf(s, s.labels, v === 0),
        }),
      );
    }
    const firstError = s.labels.indexOf(false);
    labels.push(
      JSON.stringify({
        id,
        solutionId: id,
        problemId: s.problemId,
        sample: s.sample,
        status: "labelled",
        stepCount: s.steps.length,
        rule: "step",
        tau: 0.5,
        source: "aggregate",
        labels: s.labels,
        firstError,
        outcome: s.outcome,
        rules: {},
        votes: {},
        explanation: 0,
        explanationId: `${id}#v0`,
        metaCritique: null,
        reference: null,
      }),
    );
  }
  const manifest = {
    format: "steplens-synthesis",
    formatVersion: 1,
    steplensVersion: "0.1.0",
    status: "complete",
    settings: { problems: "tiny-math.jsonl", solutions: 3, verifications: 2, aggregate: "step", tau: 0.5 },
  };
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(
    path.join(dir, "solutions.jsonl"),
    solutions.join("\n") + "\n" + (opts.tornLastLine ? '{"id": "p9#s0", "problemId": "p9", "problem": "Tor' : ""),
  );
  fs.writeFileSync(path.join(dir, "verifications.jsonl"), verifications.join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "labels.jsonl"), labels.join("\n") + "\n");
  return dir;
}

/** A ProcessBench file: 3 records (first error 1, all correct, first error 0). */
export function writeProcessBench(file: string): string {
  const rows = [
    { id: "gsm8k-0", generator: "test", problem: "Solve 2x + 3 = 7.", steps: ["2x = 4.", "x = 3.", "\\boxed{3}"], final_answer_correct: false, label: 1 },
    { id: "gsm8k-1", generator: "test", problem: "Solve 2x + 3 = 7.", steps: ["2x = 4.", "x = 2.", "\\boxed{2}"], final_answer_correct: true, label: -1 },
    { id: "gsm8k-2", generator: "test", problem: "What is 5 - 7?", steps: ["5 - 7 = 2.", "\\boxed{2}"], final_answer_correct: false, label: 0 },
  ];
  fs.writeFileSync(file, JSON.stringify(rows, null, 2));
  return file;
}

/** A suite's export workspace: a temporary folder holding the synthesis folder `run/` and a ProcessBench file. */
export interface ExportWorkspace {
  /** The temporary folder (removed after the suite). */
  readonly tmp: string;
  /** The synthesis folder, tmp/run. */
  readonly synth: string;
  /** The ProcessBench file, tmp/<processBench>. */
  readonly pb: string;
}

/**
 * Made in the calling suite's before(), removed in its after(): the hand-made synthesis folder
 * (`tornLastLine` as writeSynthesisFolder) and the ProcessBench file named `processBench`.
 */
export function exportWorkspace(prefix: string, opts: { tornLastLine?: boolean; processBench?: string } = {}): ExportWorkspace {
  const dir = suiteTempDir(prefix);
  const work = { tmp: "", synth: "", pb: "" };
  before(() => {
    work.tmp = dir.path;
    work.synth = writeSynthesisFolder(path.join(dir.path, "run"), { tornLastLine: opts.tornLastLine });
    work.pb = writeProcessBench(path.join(dir.path, opts.processBench ?? "gsm8k.json"));
  });
  return work;
}
