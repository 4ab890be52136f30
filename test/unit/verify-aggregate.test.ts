// Self-consistency aggregation on hand-worked cases: every tie and missing-verdict rule the README states.
import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregateVerifications, voteFirstError } from "../../src/verify/aggregate";
import { firstErrorFromVerdicts, type OutcomeVerdict, type ParsedVerification, type VerificationParse } from "../../src/verify/verification";
import { itemAt } from "../support/indexing";

/** A parsed verification from a letter string (C correct, I incorrect, - not given) and a final verdict. */
function v(letters: string, final: OutcomeVerdict | null = null, firstError?: number | null): ParsedVerification {
  const steps = [...letters].map((ch, index) => ({
    index,
    verdict: ch === "C" ? ("correct" as const) : ch === "I" ? ("incorrect" as const) : ("not-given" as const),
    critique: `sample critique ${letters} step ${index}`,
  }));
  return {
    ok: true,
    via: "sections",
    steps,
    finalVerdict: final,
    boxedIndex: null,
    firstError: firstError === undefined ? firstErrorFromVerdicts(steps, final) : firstError,
    summary: "",
    warnings: [],
    thinking: null,
    truncated: false,
  };
}
const bad = (reason: string): VerificationParse => ({ ok: false, reason, warnings: [], thinking: null, truncated: false });

test("step level, τ = 0.5, K = 8: 4 of 8 flag step 2 → incorrect (ties flag); 3 of 8 → not", () => {
  const four = [v("CCI"), v("CCI"), v("CCI"), v("CCI"), v("CCC"), v("CCC"), v("CCC"), v("CCC")];
  const a = aggregateVerifications(four, { stepCount: 3, tau: 0.5 });
  assert.deepEqual(
    a.steps.map((s) => [s.incorrect, s.correct, s.notGiven, s.verdict]),
    [
      [0, 8, 0, "correct"],
      [0, 8, 0, "correct"],
      [4, 4, 0, "incorrect"],
    ],
  );
  assert.equal(a.stepFirstError, 2);
  assert.equal(a.firstError, 2);
  const three = [v("CCI"), v("CCI"), v("CCI"), v("CCC"), v("CCC"), v("CCC"), v("CCC"), v("CCC")];
  const b = aggregateVerifications(three, { stepCount: 3, tau: 0.5 });
  assert.equal(itemAt(b.steps, 2, "step 3").verdict, "correct");
  assert.equal(b.firstError, -1);
});

test("τ = 0.75 needs 6 of 8; τ = 0 flags a step as soon as one verification does", () => {
  const five = [...Array(5)].map(() => v("I")).concat([...Array(3)].map(() => v("C")));
  assert.equal(aggregateVerifications(five, { stepCount: 1, tau: 0.75 }).steps[0]?.verdict, "correct");
  const six = [...Array(6)].map(() => v("I")).concat([...Array(2)].map(() => v("C")));
  assert.equal(aggregateVerifications(six, { stepCount: 1, tau: 0.75 }).steps[0]?.verdict, "incorrect");
  const one = [v("I"), v("C"), v("C")];
  assert.equal(aggregateVerifications(one, { stepCount: 1, tau: 0 }).steps[0]?.verdict, "incorrect");
  assert.equal(aggregateVerifications([v("C"), v("C")], { stepCount: 1, tau: 0 }).steps[0]?.verdict, "correct");
});

test("not given counts neither way but stays in the denominator: 1 incorrect + 7 silent does not flag", () => {
  const xs = [v("CI"), ...[...Array(7)].map(() => v("C-"))];
  const a = aggregateVerifications(xs, { stepCount: 2, tau: 0.5 });
  const step2 = itemAt(a.steps, 1, "step 2");
  assert.deepEqual([step2.incorrect, step2.correct, step2.notGiven], [1, 0, 7]);
  assert.equal(step2.verdict, "not-given");
  assert.equal(a.stepFirstError, -1);
});

test("malformed verifications are excluded and counted: K = 8, 2 malformed, 3 of 6 flag → flagged", () => {
  const xs: VerificationParse[] = [
    v("CI"),
    v("CI"),
    v("CI"),
    v("CC"),
    v("CC"),
    v("CC"),
    bad("empty output"),
    bad("no step verdict and no final verdict found"),
  ];
  const a = aggregateVerifications(xs, { stepCount: 2, tau: 0.5 });
  assert.equal(a.k, 8);
  assert.equal(a.valid, 6);
  assert.equal(a.malformed, 2);
  assert.deepEqual(a.malformedReasons, ["empty output", "no step verdict and no final verdict found"]);
  assert.equal(itemAt(a.steps, 1, "step 2").verdict, "incorrect");
  assert.equal(itemAt(a.steps, 1, "step 2").notGiven, 0);
});

test("all malformed: nothing is decided", () => {
  const a = aggregateVerifications([bad("x"), bad("y")], { stepCount: 2, mode: "step" });
  assert.equal(a.valid, 0);
  assert.equal(a.firstError, null);
  assert.equal(a.stepFirstError, null);
  assert.equal(a.outcome.verdict, null);
  assert.equal(a.explanation, null);
  assert.deepEqual(
    a.steps.map((s) => s.verdict),
    ["not-given", "not-given"],
  );
});

test("outcome: majority of given final verdicts; a tie is No; missing ones are counted", () => {
  const tie = [v("C", "yes"), v("C", "yes"), v("I", "no"), v("I", "no"), v("C", null)];
  const a = aggregateVerifications(tie, { stepCount: 1, mode: "outcome" });
  assert.deepEqual(a.outcome, { yes: 2, no: 2, missing: 1, verdict: "no" });
  const yes = [v("C", "yes"), v("C", "yes"), v("C", "yes"), v("I", "no")];
  assert.equal(aggregateVerifications(yes, { stepCount: 1 }).outcome.verdict, "yes");
  assert.equal(aggregateVerifications([v("C"), v("C")], { stepCount: 1 }).outcome.verdict, null);
});

test("outcome mode: Yes → -1; No → the first-error vote among the No verifications", () => {
  const yes = [v("CC", "yes"), v("CC", "yes"), v("CI", "no")];
  assert.equal(aggregateVerifications(yes, { stepCount: 2, mode: "outcome" }).firstError, -1);
  const no = [v("CIC", "no"), v("CCI", "no"), v("CCI", "no"), v("ICC", "yes"), v("ICC", "yes")];
  assert.equal(aggregateVerifications(no, { stepCount: 3, mode: "outcome" }).firstError, 2);
  // "No" with no step flagged anywhere: the error is not located.
  const unlocated = [v("CC", "no"), v("-C", "no"), v("CC", "yes")];
  assert.equal(aggregateVerifications(unlocated, { stepCount: 2, mode: "outcome" }).firstError, null);
});

test("first-error vote: most common; ties → earliest step; -1 loses ties; nulls are missing", () => {
  assert.deepEqual(voteFirstError([2, 2, 1, 1, -1]), { counts: { "-1": 1, "1": 2, "2": 2 }, winner: 1 });
  assert.equal(voteFirstError([-1, -1, 3, 3]).winner, 3);
  assert.equal(voteFirstError([3, 3, -1, -1]).winner, 3);
  assert.equal(voteFirstError([-1, -1, -1, 3, 3]).winner, -1);
  assert.equal(voteFirstError([4, 0, 4]).winner, 4);
  assert.equal(voteFirstError([]).winner, null);
  const xs = [v("CI"), v("CI"), v("IC"), v("C-", null), v("CC")];
  const a = aggregateVerifications(xs, { stepCount: 2, mode: "first-error" });
  assert.deepEqual(a.firstErrorVote, { counts: { "-1": 1, "0": 1, "1": 2 }, missing: 1, winner: 1 });
  assert.equal(a.firstError, 1);
});

test("the explanation is the verification agreeing most with the aggregate; ties → lowest sample", () => {
  // Aggregate (τ 0.5, K 4): steps C, I (2 of 4 ≥ 2), C; outcome: 2 no / 2 yes → no; first error 1.
  const xs = [v("CCC", "yes"), v("CIC", "no"), v("CII", "no"), v("CIC", "yes")];
  const a = aggregateVerifications(xs, { stepCount: 3, tau: 0.5 });
  assert.deepEqual(
    a.steps.map((s) => s.verdict),
    ["correct", "incorrect", "correct"],
  );
  assert.equal(a.outcome.verdict, "no");
  assert.equal(a.firstError, 1);
  // Sample 1 matches all 3 steps, the outcome and the first error (5 of 5); sample 3 only 4.
  assert.equal(a.explanation, 1);
  assert.deepEqual(a.explanationAgreement, { score: 5, max: 5 });
  const tied = aggregateVerifications([v("CI", "no"), v("CI", "no")], { stepCount: 2 });
  assert.equal(tied.explanation, 0);
  const skipBad = aggregateVerifications([bad("x"), v("CI", "no")], { stepCount: 2 });
  assert.equal(skipBad.explanation, 1);
});

test("τ outside [0, 1] is refused", () => {
  assert.throws(() => aggregateVerifications([v("C")], { stepCount: 1, tau: 1.5 }), /tau/);
});
