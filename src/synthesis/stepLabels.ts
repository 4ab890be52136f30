/**
 * Step labels of one solution from its K verifications: the three self-consistency rules of
 * src/verify/aggregate.ts (step-level τ vote, outcome majority, first-error vote), each turned into one
 * label per step, all recorded; the chosen rule gives the solution's labels (or the meta-critique's
 * merged verification, when there is a usable one). No `vscode` import.
 *
 * Labels: true correct, false incorrect, null undetermined.
 * - step rule: each step on its own vote (incorrect → false, correct → true, not given → null);
 * - outcome / first-error rules give a first error e: −1 → every step true; e ≥ 0 → steps before e
 *   true, step e false, later steps null (nothing was established about them); null → all null.
 */
import type { AggregateMode } from "../config";
import { aggregateVerifications, type AggregateResult } from "../verify/aggregate";
import type { OutcomeVerdict, StepVerdictValue, VerificationParse } from "../verify/verification";

export type StepLabel = boolean | null;

export interface RuleLabels {
  labels: StepLabel[];
  firstError: number | null;
}

export interface SolutionLabels {
  status: "labelled" | "undecided";
  rule: AggregateMode;
  tau: number;
  labels: StepLabel[];
  firstError: number | null;
  outcome: OutcomeVerdict | null;
  rules: { step: RuleLabels; outcome: RuleLabels & { verdict: OutcomeVerdict | null }; "first-error": RuleLabels };
  votes: {
    k: number;
    valid: number;
    malformed: number;
    malformedReasons: string[];
    steps: { index: number; incorrect: number; correct: number; notGiven: number; verdict: StepVerdictValue }[];
    outcome: { yes: number; no: number; missing: number };
    firstError: Record<string, number>;
  };
  /** Verification index (0-based) agreeing most with the chosen rule; null when none parsed. */
  explanation: number | null;
}

export function verdictLabel(v: StepVerdictValue): StepLabel {
  return v === "correct" ? true : v === "incorrect" ? false : null;
}

/** Labels implied by a first error (see the module comment). */
export function labelsFromFirstError(firstError: number | null, stepCount: number): StepLabel[] {
  if (firstError === null) return new Array<StepLabel>(stepCount).fill(null);
  if (firstError < 0) return new Array<StepLabel>(stepCount).fill(true);
  return Array.from({ length: stepCount }, (_, i) => (i < firstError ? true : i === firstError ? false : null));
}

function ruleOf(a: AggregateResult, stepCount: number): RuleLabels {
  if (a.mode === "step") return { labels: a.steps.map((s) => verdictLabel(s.verdict)), firstError: a.firstError };
  return { labels: labelsFromFirstError(a.firstError, stepCount), firstError: a.firstError };
}

/** All three rules over the K parses; `rule` picks the labels (and the explanation). */
export function labelSolution(parses: readonly VerificationParse[], stepCount: number, rule: AggregateMode, tau: number): SolutionLabels {
  const by = {
    step: aggregateVerifications(parses, { stepCount, tau, mode: "step" }),
    outcome: aggregateVerifications(parses, { stepCount, tau, mode: "outcome" }),
    "first-error": aggregateVerifications(parses, { stepCount, tau, mode: "first-error" }),
  };
  const chosen = by[rule];
  const rules = {
    step: ruleOf(by.step, stepCount),
    outcome: { ...ruleOf(by.outcome, stepCount), verdict: by.outcome.outcome.verdict },
    "first-error": ruleOf(by["first-error"], stepCount),
  };
  return {
    status: chosen.valid === 0 ? "undecided" : "labelled",
    rule,
    tau,
    labels: rules[rule].labels,
    firstError: rules[rule].firstError,
    outcome: chosen.outcome.verdict,
    rules,
    votes: {
      k: chosen.k,
      valid: chosen.valid,
      malformed: chosen.malformed,
      malformedReasons: chosen.malformedReasons,
      steps: chosen.steps.map((s) => ({ ...s })),
      outcome: { yes: chosen.outcome.yes, no: chosen.outcome.no, missing: chosen.outcome.missing },
      firstError: chosen.firstErrorVote.counts,
    },
    explanation: chosen.explanation,
  };
}

/** Labels of a single (merged) verification: its own step verdicts. */
export function labelsOfParse(p: VerificationParse, stepCount: number): RuleLabels & { outcome: OutcomeVerdict | null } {
  if (!p.ok) return { labels: new Array<StepLabel>(stepCount).fill(null), firstError: null, outcome: null };
  return {
    labels: Array.from({ length: stepCount }, (_, i) => verdictLabel(p.steps[i]?.verdict ?? "not-given")),
    firstError: p.firstError,
    outcome: p.finalVerdict,
  };
}
