/**
 * The labelling stage of a solution: the rule over its K verification parses (the chosen
 * self-consistency rule; the critic format names only the earliest wrong paragraph, so it is labelled
 * by the first-error vote, as in verifyTrace), the optional meta-critique of the aggregate's
 * explanation, and the label record (the meta-critique's labels when it parsed, else the
 * aggregate's). No `vscode` import.
 */
import type { AggregateMode } from "../../config";
import type { Engine } from "../../engines/engine";
import type { VerifierTemplate } from "../../verify/templates";
import type { VerificationParse } from "../../verify/verification";
import { metaCritique, type MetaCritiqueResult, type VerifyOptions } from "../../verify/verifyPipeline";
import type { Problem } from "../problems";
import type { LabelRecord, MetaCritiqueRecord, SolutionRecord, VerificationRecord } from "../records";
import { labelsOfParse, labelSolution, type SolutionLabels } from "../stepLabels";
import { withRetries, type CallResult } from "./retry";

/** The rule that labels a solution's steps from its verifications. */
export function labelRule(template: Pick<VerifierTemplate, "format">, aggregate: AggregateMode): AggregateMode {
  return template.format === "processbench" ? "first-error" : aggregate;
}

/** The verifications of a solution in index order, and the labels the rule gives them. */
export function aggregateLabels(
  existing: ReadonlyMap<number, VerificationRecord>,
  stepCount: number,
  rule: AggregateMode,
  tau: number,
): { ordered: VerificationRecord[]; lab: SolutionLabels } {
  const ordered = [...existing.values()].sort((a, b) => a.verification - b.verification);
  const parses = ordered.map((v) => ({ ...v.parse, thinking: null }) as VerificationParse);
  return { ordered, lab: labelSolution(parses, stepCount, rule, tau) };
}

/** One meta-critique call on the verification `of`, with its tries. */
export function critiqueVerification(
  verifier: Engine,
  p: Problem,
  sol: SolutionRecord,
  of: VerificationRecord,
  options: VerifyOptions,
  signal: AbortSignal | undefined,
): Promise<CallResult<MetaCritiqueResult>> {
  return withRetries(() => metaCritique(verifier, { problem: p.problem, steps: sol.steps, reference: p.reference }, of.text, options, { signal }), signal);
}

/** The stored meta-critique of verification `of`, with the labels its merged verification gives. */
export function metaCritiqueRecord(of: VerificationRecord, r: MetaCritiqueResult, stepCount: number): MetaCritiqueRecord {
  const l = labelsOfParse(r.parse, stepCount);
  return {
    of: of.id,
    critique: r.critique,
    merged: r.merged,
    ok: r.parse.ok,
    reason: r.parse.ok ? null : r.parse.reason,
    ...l,
  };
}

/** The label record of a solution: the meta-critique's labels when it parsed, else the aggregate's. */
export function labelRecord(
  p: Problem,
  sol: SolutionRecord,
  ordered: readonly VerificationRecord[],
  lab: SolutionLabels,
  meta: MetaCritiqueRecord | null,
): LabelRecord {
  const useMeta = meta !== null && meta.ok;
  return {
    id: sol.id,
    solutionId: sol.id,
    problemId: p.id,
    sample: sol.sample,
    ...lab,
    status: sol.steps.length === 0 ? "no-steps" : lab.status,
    stepCount: sol.steps.length,
    source: useMeta ? "meta-critique" : "aggregate",
    labels: useMeta ? meta!.labels : lab.labels,
    firstError: useMeta ? meta!.firstError : lab.firstError,
    outcome: useMeta ? meta!.outcome : lab.outcome,
    explanationId: lab.explanation === null ? null : (ordered[lab.explanation]?.id ?? null),
    metaCritique: meta,
    reference: p.reference !== null ? { answer: p.reference, predicted: sol.predicted ?? null, correct: sol.answerCorrect } : null,
  };
}
