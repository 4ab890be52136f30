// The output-format strategies of the verdict parser (src/verify/verdictStrategies.ts), each alone,
// on hand-written texts and step verdicts with the answers worked out by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isRefusal, processBenchLenient, processBenchOfficial, verdictStrategy, verdictsStrategy, type VerdictText } from "../../src/verify/verdictStrategies";
import type { ParsedStep } from "../../src/verify/verification";

const text = (visible: string, over: Partial<VerdictText> = {}): VerdictText => ({
  visible,
  outsideText: visible,
  raw: visible,
  stepCount: 4,
  base: 0,
  ...over,
});
const steps = (...verdicts: ParsedStep["verdict"][]): ParsedStep[] => verdicts.map((verdict, index) => ({ index, verdict, critique: "" }));

test("the strategy follows the format and the critic-index rule", () => {
  assert.equal(verdictStrategy("processbench", { finalVerdictRule: "steplens", criticIndex: "official" }).name, "processbench-official");
  assert.equal(verdictStrategy("processbench", { finalVerdictRule: "steplens", criticIndex: "lenient" }).name, "processbench-lenient");
  assert.equal(verdictStrategy("spark", { finalVerdictRule: "spark", criticIndex: "official" }).name, "verdicts");
  assert.equal(verdictStrategy("thinkprm", { finalVerdictRule: "steplens", criticIndex: "lenient" }).name, "verdicts");
});

test("official: the last \\boxed{} of the raw output, Python's int(), in range, or no prediction", () => {
  const w: string[] = [];
  assert.deepEqual(processBenchOfficial.boxedIndex(text("", { raw: "<think>\\boxed{0}</think> so \\boxed{ 2 }" }), w), { index: 2, criticAnswer: "2" });
  assert.deepEqual(processBenchOfficial.boxedIndex(text("", { raw: "\\boxed{1_0}", stepCount: 11 }), w), { index: 10, criticAnswer: "1_0" });
  const notInt = processBenchOfficial.boxedIndex(text("", { raw: "\\boxed{paragraph_2}" }), w);
  assert.ok(isRefusal(notInt) && /not an integer/.test(notInt.refused) && notInt.criticAnswer === "paragraph_2");
  const out = processBenchOfficial.boxedIndex(text("", { raw: "\\boxed{4}" }), w);
  assert.ok(isRefusal(out) && /outside the paragraph indices -1 to 3/.test(out.refused));
  const none = processBenchOfficial.boxedIndex(text("", { raw: "no box" }), w);
  assert.ok(isRefusal(none) && none.criticAnswer === null);
  assert.equal(processBenchOfficial.readsRawOutput, true);
  assert.deepEqual(w, []);
});

test("lenient: the last box holding an index, later non-index boxes skipped with a warning; else the paragraph verdicts", () => {
  const w: string[] = [];
  assert.deepEqual(processBenchLenient.boxedIndex(text("first \\boxed{1}, then \\boxed{\\text{paragraph_2}} and the answer \\boxed{42x}"), w), { index: 2 });
  assert.equal(w.length, 2, w.join(" | ")); // the trailing non-index box, and the earlier index 1
  const fromVerdicts: string[] = [];
  assert.equal(processBenchLenient.firstError(steps("correct", "incorrect", "not-given", "not-given"), null, null, 0, fromVerdicts), 1);
  assert.match(fromVerdicts[0]!, /read from the paragraph verdicts/);
  const undetermined = processBenchLenient.firstError(steps("correct", "not-given", "not-given", "not-given"), null, null, 0, []);
  assert.ok(isRefusal(undetermined));
  const bad = processBenchLenient.boxedIndex(text("\\boxed{seven}"), []);
  assert.ok(isRefusal(bad) && !("criticAnswer" in bad));
});

test("verdicts: first error from the step verdicts; missing verdicts and a contradicting final verdict are warned about", () => {
  const s = verdictsStrategy("steplens");
  assert.equal(s.firstError(steps("correct", "incorrect", "correct", "correct"), "no", null, 1, []), 1);
  assert.equal(s.firstError(steps("correct", "correct", "correct", "correct"), "yes", null, 1, []), -1);
  const warnings = s.stepWarnings(steps("correct", "not-given", "correct", "correct"), "no", 1);
  assert.ok(
    warnings.some((x) => x === "no verdict for step 2"),
    warnings.join(" | "),
  );
  assert.equal(s.finalVerdict(text("**Verification: Is the answer correct (Yes/No)? No**"), []), "no");
  assert.deepEqual(s.boxedIndex(text("\\boxed{2}"), []), { index: null });
});
