/**
 * Adapts the verification pipeline's result (src/verify) to the small structural view the
 * annotations use (stepAnnotations.ts `VerificationView`). No `vscode` import.
 *
 * - Counts per step come from the aggregate; K is every verification run, and verifications that could
 *   not be parsed count as "gave no verdict" for every step (so "6 of 8" always means of all 8 run).
 * - The step's verdict and chosen critique come from the pipeline's final verdicts (the meta-critique's
 *   merged verification when there is one, else the aggregate and its explanation).
 * - Every parsed verification's critique of the step is kept for related information, and every
 *   verification's verdict on it (malformed samples included) for the inspector's agreement matrix.
 */
import type { VerifyResult } from "../verify/verifyPipeline";
import type { VerificationStepView, VerificationView } from "./stepAnnotations";

export function verificationViewOf(result: VerifyResult, model?: string): VerificationView {
  const { aggregate, final } = result;
  const chosenVerifier = final.source === "meta-critique" && result.metaCritique ? result.metaCritique.sample : aggregate.explanation;
  const steps: VerificationStepView[] = [];
  for (let index = 0; index < result.stepCount; index++) {
    const agg = aggregate.steps.find((s) => s.index === index);
    const fin = final.steps.find((s) => s.index === index);
    const correct = agg?.correct ?? 0;
    const incorrect = agg?.incorrect ?? 0;
    const verdictValue = fin?.verdict ?? agg?.verdict ?? "not-given";
    const critiques: NonNullable<VerificationStepView["critiques"]> = [];
    const cells: NonNullable<VerificationStepView["cells"]> = [];
    for (const sample of result.samples) {
      if (!sample.parse.ok) {
        cells.push({ verifier: sample.sample, verdict: "malformed", critique: "" });
        continue;
      }
      const parsed = sample.parse.steps.find((p) => p.index === index);
      cells.push({ verifier: sample.sample, verdict: parsed?.verdict ?? "not-given", critique: parsed?.critique ?? "" });
      if (!parsed || parsed.critique.trim() === "") continue;
      critiques.push({ verifier: sample.sample, text: parsed.critique, verdict: parsed.verdict === "not-given" ? null : parsed.verdict });
    }
    const chosenText = fin?.critique?.trim() ? fin.critique : null;
    steps.push({
      index,
      correct,
      incorrect,
      missing: Math.max(0, aggregate.k - correct - incorrect),
      verdict: verdictValue === "not-given" ? "unknown" : verdictValue,
      critique: chosenText !== null && chosenVerifier !== null ? { verifier: chosenVerifier, text: chosenText } : null,
      critiques,
      cells,
    });
  }
  return {
    samples: aggregate.k,
    steps,
    ...(final.firstError !== null ? { firstError: final.firstError } : {}),
    ...(model ? { model } : {}),
    seconds: result.seconds,
  };
}
