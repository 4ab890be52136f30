/**
 * ProcessBench's critic protocol, as its official script (`QwenLM/ProcessBench`, code/run_eval.py)
 * runs it, so that a StepLens critic F1 can be compared with the paper's table:
 * - the prompt is code/templates/critique_template.txt's layout (StepLens's `processbench` template);
 * - the answer is the last `\boxed{[^}]*}` of the whole output, read with Python's int(); anything
 *   else is no prediction (the parser's `criticIndex: "official"`);
 * - one sample: greedy (temperature 0, top_p 1, seed 42); voting: n = 8 samples at temperature 1, top_p 0.9
 *   (seed 42), and `Counter(answers).most_common(1)` over the raw box contents of the samples that
 *   have a box — a tie goes to the answer seen first — then int() of the winner (a non-integer
 *   winner is no prediction).
 * StepLens's own rules stay available: the lenient reading (`criticIndex: "lenient"`) and the
 * earliest-step tie rule (`tieRule: "earliest"`: ties go to the earliest step, -1 loses ties).
 * No `vscode` import here.
 */
import { voteFirstError } from "../verify/aggregate";
import { pythonInt } from "../verify/verdictParser";
import type { VerificationParse } from "../verify/verification";

export type CriticTieRule = "official" | "earliest";
export const CRITIC_TIE_RULES: readonly CriticTieRule[] = ["official", "earliest"];

/** The official script's samples per item when voting. */
export const OFFICIAL_VOTING_SAMPLES = 8;
/** The official script's seed (one per request). */
export const OFFICIAL_SEED = 42;

/** The official sampling for `samples` critic outputs: greedy for one, temperature 1 / top_p 0.9 for a vote. */
export function officialCriticSampling(samples: number): { temperature: number; topP: number; seed: number } {
  return samples <= 1 ? { temperature: 0, topP: 1, seed: OFFICIAL_SEED } : { temperature: 1, topP: 0.9, seed: OFFICIAL_SEED };
}

export interface CriticVote {
  /** How many samples gave each answer (raw box content for the official rule, the index for "earliest"). */
  counts: Record<string, number>;
  /** The predicted index, or null (no sample had an answer, or the winning answer is not an integer). */
  prediction: number | null;
}

/**
 * The official vote over the samples' raw answers (null: the sample had no `\boxed{}`): the most
 * common answer, the first seen winning a tie, then int().
 */
export function officialCriticVote(answers: readonly (string | null | undefined)[]): CriticVote {
  const counts = new Map<string, number>();
  for (const a of answers) if (a !== null && a !== undefined) counts.set(a, (counts.get(a) ?? 0) + 1);
  let winner: string | null = null;
  let best = 0;
  for (const [a, c] of counts)
    // Map keeps first-seen order; only a strictly larger count displaces the leader
    if (c > best) {
      winner = a;
      best = c;
    }
  return { counts: Object.fromEntries(counts), prediction: winner === null ? null : pythonInt(winner) };
}

/** The critic's prediction from its samples' parses under a tie rule. */
export function criticVote(parses: readonly VerificationParse[], tieRule: CriticTieRule): CriticVote {
  if (tieRule === "official")
    return officialCriticVote(parses.map((p) => (p.criticAnswer !== undefined ? p.criticAnswer : p.ok && p.firstError !== null ? String(p.firstError) : null)));
  const v = voteFirstError(parses.filter((p) => p.ok && p.firstError !== null).map((p) => (p.ok ? p.firstError! : 0)));
  return { counts: v.counts, prediction: v.winner };
}
