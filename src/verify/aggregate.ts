/**
 * Self-consistency (SPARK's parallel scaling): K independent verifications of one trace, combined.
 *
 * Rules (also in the README, "Verification: ties and missing verdicts"):
 * - Malformed verifications are left out of every vote and counted (`malformed`, with reasons).
 *   K' = the verifications that parsed. When K' = 0 nothing is decided (all results null).
 * - Step level: step i is judged incorrect when incorrect(i) ≥ τ·K' (and at least one verification
 *   said so). The denominator is K', not the number that gave step i a verdict: a "not given" counts
 *   neither way, but it does not shrink the vote (one "incorrect" among seven silences does not flag a
 *   step). Otherwise the step is correct if any verification called it correct, else not given.
 *   With τ = 0.5 a 4–4 split flags the step (≥, ties go to "incorrect").
 * - Outcome level: majority of the final Yes/No verdicts among those that gave one; a tie is "No"
 *   (a split ensemble does not certify an answer); none given → null.
 * - First-error vote: the most common first-error index among verifications that determine one
 *   (null ones are counted as missing); a tie goes to the earliest step; -1 ("no error") wins only
 *   when no step index ties with it.
 * - The aggregate first error depends on the mode: `step` → the first step judged incorrect, else -1;
 *   `first-error` → the vote; `outcome` → -1 when the outcome is Yes, else the first-error vote among
 *   the verifications that said No (null when none of them locates an error).
 * - Explanation: the verification agreeing most with the aggregate — one point per step whose
 *   verdict equals the aggregate's decided verdict (correct/incorrect), one for the same final verdict,
 *   one for the same first error; ties go to the lowest sample number.
 */
import type { AggregateMode } from "../config";
import type { OutcomeVerdict, ParsedVerification, StepVerdictValue, VerificationParse } from "./verification";

export interface AggregateOptions {
  stepCount: number;
  /** Fraction of the K' parsed verifications that must flag a step (default 0.5). */
  tau?: number;
  mode?: AggregateMode;
}

export interface StepAgreement {
  index: number;
  /** How many of the K' parsed verifications said incorrect / correct / gave no verdict. */
  incorrect: number;
  correct: number;
  notGiven: number;
  verdict: StepVerdictValue;
}

export interface AggregateResult {
  mode: AggregateMode;
  tau: number;
  /** Verifications in all. */
  k: number;
  /** Verifications that parsed (K'). */
  valid: number;
  malformed: number;
  malformedReasons: string[];
  /** Parsed verifications whose `<think>` was never closed, recovered from their first `## Step 1:` line. */
  recovered: number;
  steps: StepAgreement[];
  /** Step-level rule's first error (first step judged incorrect, else -1); null when K' = 0. */
  stepFirstError: number | null;
  outcome: { yes: number; no: number; missing: number; verdict: OutcomeVerdict | null };
  firstErrorVote: { counts: Record<string, number>; missing: number; winner: number | null };
  /** The first error under `mode`. */
  firstError: number | null;
  /** Sample number (0-based, among all K) of the verification kept as the explanation; null when K' = 0. */
  explanation: number | null;
  /** Its agreement score and the best possible one. */
  explanationAgreement: { score: number; max: number } | null;
}

export const DEFAULT_TAU = 0.5;

/** Most common value; ties → the earliest step index; -1 loses every tie. Null for no votes. */
export function voteFirstError(values: readonly number[]): { counts: Record<string, number>; winner: number | null } {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let winner: number | null = null;
  let best = 0;
  for (const [v, c] of counts) {
    const better = c > best || (c === best && winner !== null && (winner === -1 ? v !== -1 : v !== -1 && v < winner));
    if (better) {
      winner = v;
      best = c;
    }
  }
  const record: Record<string, number> = {};
  for (const v of [...counts.keys()].sort((a, b) => a - b)) record[String(v)] = counts.get(v)!;
  return { counts: record, winner };
}

export function aggregateVerifications(parses: readonly VerificationParse[], opts: AggregateOptions): AggregateResult {
  const tau = opts.tau ?? DEFAULT_TAU;
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be between 0 and 1 (got ${tau})`);
  const mode = opts.mode ?? "step";
  const n = opts.stepCount;
  const valid: { sample: number; p: ParsedVerification }[] = [];
  const malformedReasons: string[] = [];
  parses.forEach((p, sample) => (p.ok ? valid.push({ sample, p }) : malformedReasons.push(p.reason)));
  const kValid = valid.length;

  const steps: StepAgreement[] = Array.from({ length: n }, (_, index) => {
    let incorrect = 0;
    let correct = 0;
    for (const { p } of valid) {
      const v = p.steps[index]?.verdict ?? "not-given";
      if (v === "incorrect") incorrect++;
      else if (v === "correct") correct++;
    }
    const flagged = kValid > 0 && incorrect > 0 && incorrect >= tau * kValid;
    const verdict: StepVerdictValue = flagged ? "incorrect" : correct > 0 ? "correct" : "not-given";
    return { index, incorrect, correct, notGiven: kValid - incorrect - correct, verdict };
  });
  const stepFirstError = kValid === 0 ? null : (steps.find((s) => s.verdict === "incorrect")?.index ?? -1);

  let yes = 0;
  let no = 0;
  for (const { p } of valid) {
    if (p.finalVerdict === "yes") yes++;
    else if (p.finalVerdict === "no") no++;
  }
  const outcomeVerdict: OutcomeVerdict | null = yes + no === 0 ? null : yes > no ? "yes" : "no";
  const outcome = { yes, no, missing: kValid - yes - no, verdict: outcomeVerdict };

  const located = valid.map(({ p }) => p.firstError).filter((x): x is number => x !== null);
  const vote = voteFirstError(located);
  const firstErrorVote = { counts: vote.counts, missing: kValid - located.length, winner: vote.winner };

  let firstError: number | null;
  if (mode === "step") firstError = stepFirstError;
  else if (mode === "first-error") firstError = vote.winner;
  else if (outcomeVerdict === null) firstError = null;
  else if (outcomeVerdict === "yes") firstError = -1;
  else
    firstError = voteFirstError(
      valid
        .filter(({ p }) => p.finalVerdict === "no")
        .map(({ p }) => p.firstError)
        .filter((x): x is number => x !== null && x >= 0),
    ).winner;

  let explanation: number | null = null;
  let bestScore = -1;
  const decided = steps.filter((s) => s.verdict !== "not-given");
  const max = decided.length + (outcomeVerdict !== null ? 1 : 0) + (firstError !== null ? 1 : 0);
  for (const { sample, p } of valid) {
    let score = 0;
    for (const s of decided) if (p.steps[s.index]?.verdict === s.verdict) score++;
    if (outcomeVerdict !== null && p.finalVerdict === outcomeVerdict) score++;
    if (firstError !== null && p.firstError === firstError) score++;
    if (score > bestScore) {
      bestScore = score;
      explanation = sample;
    }
  }

  return {
    mode,
    tau,
    k: parses.length,
    valid: kValid,
    malformed: malformedReasons.length,
    malformedReasons,
    recovered: valid.filter(({ p }) => p.recovered === true).length,
    steps,
    stepFirstError,
    outcome,
    firstErrorVote,
    firstError,
    explanation,
    explanationAgreement: explanation === null ? null : { score: bestScore, max },
  };
}
