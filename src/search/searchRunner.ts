/**
 * Search over a problem set, resumable like `eval processbench`:
 * - with an output file, every finished problem is one JSON line appended to it (append-only,
 *   one write per line, fsynced at most every second and on close: src/core/appendOnlyJsonl.ts),
 *   under a lock next to it (one writer at a time: src/core/folderLock.ts);
 * - on start the file is read back: a torn last line (killed mid-write) is cut off, the problems
 *   already there are not searched again, and their records count in the summary; a file written
 *   with other settings (mode, scorer, N/B/E/S, seed, models, …) is refused rather than mixed;
 * - a problem whose search fails (e.g. longer than the context) is reported and retried next run;
 * - an AbortSignal stops between problems' steps (nothing half-written).
 * No `vscode` import here.
 */
import path from "node:path";
import { CancelledError, errorMessage, StepLensError, throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import { AppendOnlyJsonl, recoverJsonl } from "../core/appendOnlyJsonl";
import { acquireFolderLock } from "../core/folderLock";
import type { Engine } from "../engines/engine";
import { answersEqual, extractAnswer } from "../grading";
import { beamSearch, type BeamSettings } from "./beamSearch";
import { bestOfN, type GeneratorSettings } from "./bestOfN";
import { solutionText } from "./candidate";
import type { SearchScorer } from "./scorers";
import type { SearchOutcome } from "./searchOutcome";
import type { SearchProblem } from "./searchProblems";

export type SearchMode = { kind: "best-of-n"; n: number } | ({ kind: "beam" } & BeamSettings);

export interface SearchRecord {
  id: string;
  mode: SearchMode["kind"];
  scorer: string;
  /** The chosen solution (its steps joined by blank lines). */
  solution: string;
  steps: string[];
  answer: string | null;
  score: number | null;
  /** The reference answer as extracted (null when the problem has none). */
  reference: string | null;
  /** Whether `answer` is equivalent to the reference (null without a reference). */
  correct: boolean | null;
  candidates: number;
  generations: number;
  /** evaluated + generated = total; split by generator and scorer. */
  tokens: {
    evaluated: number;
    generated: number;
    total: number;
    generator: { evaluated: number; generated: number };
    scorer: { evaluated: number; generated: number };
  };
  seconds: number;
  /** What produced it; a resumed run must match. */
  settings: Record<string, unknown>;
}

export interface SearchSummary {
  problems: number;
  /** Problems with a record (computed now or found in the output file). */
  done: number;
  computed: number;
  resumed: number;
  /** Among the records with a reference. */
  withReference: number;
  correct: number;
  accuracy: number | null;
  tokensPerProblem: number | null;
  generatedPerProblem: number | null;
  evaluatedPerProblem: number | null;
  failures: { id: string; message: string }[];
  tornBytes: number;
}

export interface SearchModels {
  engine: Engine;
  scorer: SearchScorer;
}

export interface SearchRunOptions extends RunOptions {
  /** The engine and scorer, or a function that makes them, called only when a problem is left to search (a finished run loads no model). */
  models: SearchModels | (() => Promise<SearchModels>);
  problems: readonly SearchProblem[];
  mode: SearchMode;
  generator: GeneratorSettings;
  /** Settings recorded in every line and compared on resume. */
  settings: Record<string, unknown>;
  /** Append-only output file (resumable); none: nothing is written. */
  out?: string;
  /** Called with every record computed in this run, in order. */
  onRecord?: (record: SearchRecord) => void;
}

/** One problem searched and graded. */
export async function searchProblem(
  models: SearchModels,
  opts: Pick<SearchRunOptions, "mode" | "generator" | "settings" | "signal">,
  problem: SearchProblem,
): Promise<SearchRecord> {
  const started = performance.now();
  const run = { signal: opts.signal };
  const { engine, scorer } = models;
  const outcome: SearchOutcome =
    opts.mode.kind === "best-of-n"
      ? await bestOfN(engine, scorer, problem.problem, problem.id, opts.mode.n, opts.generator, run)
      : await beamSearch(engine, scorer, problem.problem, problem.id, opts.mode, opts.generator, run);
  const reference = problem.reference === null ? null : extractAnswer(problem.reference);
  const g = outcome.generatorTokens;
  const s = outcome.scorerTokens;
  const evaluated = g.evaluated + s.evaluated;
  const generated = g.generated + s.generated;
  return {
    id: problem.id,
    mode: opts.mode.kind,
    scorer: scorer.name,
    solution: solutionText(outcome.steps),
    steps: outcome.steps,
    answer: outcome.answer,
    score: outcome.score,
    reference,
    correct: reference === null ? null : outcome.answer !== null && answersEqual(outcome.answer, reference),
    candidates: outcome.candidates,
    generations: outcome.generations,
    tokens: { evaluated, generated, total: evaluated + generated, generator: { ...g }, scorer: { ...s } },
    seconds: (performance.now() - started) / 1000,
    settings: opts.settings,
  };
}

/** The summary of a set of records. */
export function summarize(
  records: readonly SearchRecord[],
  problems: number,
  extra: Pick<SearchSummary, "computed" | "resumed" | "failures" | "tornBytes">,
): SearchSummary {
  const graded = records.filter((r) => r.correct !== null);
  const correct = graded.filter((r) => r.correct).length;
  const mean = (f: (r: SearchRecord) => number) => (records.length ? records.reduce((a, r) => a + f(r), 0) / records.length : null);
  return {
    problems,
    done: records.length,
    ...extra,
    withReference: graded.length,
    correct,
    accuracy: graded.length ? correct / graded.length : null,
    tokensPerProblem: mean((r) => r.tokens.total),
    generatedPerProblem: mean((r) => r.tokens.generated),
    evaluatedPerProblem: mean((r) => r.tokens.evaluated),
  };
}

function sameSettings(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function runSearch(opts: SearchRunOptions): Promise<{ records: SearchRecord[]; summary: SearchSummary }> {
  const done = new Map<string, SearchRecord>();
  let tornBytes = 0;
  let writer: AppendOnlyJsonl | null = null;
  let lock: { release(): void } | null = null;
  const wanted = new Set(opts.problems.map((p) => p.id));
  try {
    if (opts.out) {
      const file = path.resolve(opts.out);
      const root = path.dirname(file);
      lock = acquireFolderLock(root, { name: `.${path.basename(file)}.lock`, command: "steplens search" });
      let mismatch: Record<string, unknown> | null = null;
      const recovered = await recoverJsonl(file, root, {
        signal: opts.signal,
        onRecord: (rec) => {
          if (!sameSettings(rec.settings, opts.settings)) mismatch ??= (rec.settings as Record<string, unknown>) ?? {};
          else if (typeof rec.id === "string" && wanted.has(rec.id) && !done.has(rec.id)) done.set(rec.id, rec as unknown as SearchRecord);
        },
      });
      tornBytes = recovered.tornBytes;
      if (mismatch)
        throw new StepLensError(`this file holds results of a search with other settings (${JSON.stringify(mismatch)}; now ${JSON.stringify(opts.settings)})`, {
          file,
          hint: "Use another --out file, or delete this one to start over.",
        });
      writer = new AppendOnlyJsonl(file, root, { fsync: "interval" });
    }
    const resumed = done.size;
    const failures: { id: string; message: string }[] = [];
    let computed = 0;
    let finished = resumed;
    const total = opts.problems.length;
    opts.onProgress?.({ done: finished, total, message: resumed ? `${resumed} problems already done` : "searching" });
    let models: SearchModels | null = typeof opts.models === "function" ? null : opts.models;
    for (const p of opts.problems) {
      if (done.has(p.id)) continue;
      throwIfAborted(opts.signal);
      models ??= await (opts.models as () => Promise<SearchModels>)();
      try {
        const rec = await searchProblem(models, opts, p);
        throwIfAborted(opts.signal);
        writer?.append(rec);
        done.set(p.id, rec);
        computed++;
        opts.onRecord?.(rec);
      } catch (e) {
        if (e instanceof CancelledError || opts.signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
        failures.push({ id: p.id, message: errorMessage(e) });
      }
      finished++;
      opts.onProgress?.({ done: finished, total, message: p.id });
    }
    const records = opts.problems.map((p) => done.get(p.id)).filter((r): r is SearchRecord => r !== undefined);
    return { records, summary: summarize(records, total, { computed, resumed, failures, tornBytes }) };
  } finally {
    writer?.close();
    lock?.release();
  }
}
