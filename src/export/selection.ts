/**
 * Which solutions an export keeps, and which split each problem goes to. Every rule is deterministic:
 * the same input and seed give the same files on every machine.
 *
 * - `dropUnanimous`: drops problems whose solutions all have the same outcome (all correct or all
 *   incorrect), as SPARK does: they teach a PRM nothing about telling solutions apart. Solutions
 *   without an outcome do not count; a problem with fewer than two solutions with an outcome is
 *   unanimous.
 * - `balance`: per problem, keeps as many correct as incorrect solutions (k = the smaller count),
 *   chosen by a seeded hash of the solution id (not by position, so a generator's first samples are
 *   not favoured). A problem with only one kind keeps nothing. The outcome is the verifier's (or the
 *   dataset's) label, never a reference answer: the balance stays reference-free.
 * - `splitRatio` r: each problem goes to "train" with probability r by a seeded hash of its id (all
 *   its solutions together, so no problem leaks between the files); the rest to "test".
 */
import { type ExportSolution, type ProblemGroup, outcomeOf, unitHash } from "./exportModel";

export interface SelectionOptions {
  balance?: boolean;
  dropUnanimous?: boolean;
  /** Salt of the hashes (default 0). */
  seed?: number;
}

export interface SelectionStats {
  problemsIn: number;
  solutionsIn: number;
  /** Problems dropped because their solutions agree. */
  unanimousDropped: number;
  /** Solutions dropped by balancing. */
  balanceDropped: number;
}

export function selectSolutions(groups: readonly ProblemGroup[], opts: SelectionOptions): { groups: ProblemGroup[]; stats: SelectionStats } {
  const seed = opts.seed ?? 0;
  const stats: SelectionStats = { problemsIn: groups.length, solutionsIn: 0, unanimousDropped: 0, balanceDropped: 0 };
  const out: ProblemGroup[] = [];
  for (const g of groups) {
    stats.solutionsIn += g.solutions.length;
    const correct = g.solutions.filter((s) => outcomeOf(s) === true);
    const incorrect = g.solutions.filter((s) => outcomeOf(s) === false);
    if (opts.dropUnanimous && (correct.length === 0 || incorrect.length === 0)) {
      stats.unanimousDropped++;
      continue;
    }
    let solutions = g.solutions;
    if (opts.balance) {
      const k = Math.min(correct.length, incorrect.length);
      const pick = (list: ExportSolution[]) => new Set([...list].sort((a, b) => unitHash(`${seed}:${a.id}`) - unitHash(`${seed}:${b.id}`)).slice(0, k));
      const keep = new Set([...pick(correct), ...pick(incorrect)]);
      solutions = g.solutions.filter((s) => keep.has(s)); // input order
      stats.balanceDropped += g.solutions.length - solutions.length;
    }
    if (solutions.length) out.push({ ...g, solutions });
  }
  return { groups: out, stats };
}

export type SplitName = "train" | "test";

/** The split of a problem for ratio r (the fraction that goes to train). */
export function splitOf(problemId: string, ratio: number, seed = 0): SplitName {
  return unitHash(`split:${seed}:${problemId}`) < ratio ? "train" : "test";
}
