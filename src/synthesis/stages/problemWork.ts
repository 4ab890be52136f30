/**
 * The work on one problem, from its stages: its missing solutions (generateSolutions.ts), then each
 * unlabelled solution's missing verifications (verifySolution.ts, sized by tokenBudget.ts) and its
 * label (labelSolution.ts), every record written through the run's ledger (runLedger.ts). Failed
 * calls become failure records; cancellation is thrown. No `vscode` import.
 */
import { CancelledError, throwIfAborted } from "../../core/errors";
import type { Problem } from "../problems";
import type { MetaCritiqueRecord, SolutionRecord, VerificationRecord } from "../records";
import type { SynthesisOptions } from "../synthesisOptions";
import { solutionId, verificationId } from "../ids";
import { generateGroup, planSolutions, solutionRecord } from "./generateSolutions";
import { aggregateLabels, critiqueVerification, labelRecord, labelRule, metaCritiqueRecord } from "./labelSolution";
import type { RunLedger } from "./runLedger";
import { UNVERIFIABLE_CODES, type TokenBudget } from "./tokenBudget";
import { planVerifications, verificationRecord, verifyGroup, verifyOptions } from "./verifySolution";

/** What the work on a problem needs: the run's options, its ledger and token budget, the models named in records. */
export interface ProblemWork {
  o: SynthesisOptions;
  ledger: RunLedger;
  budget: TokenBudget;
  /** Constrained verifications: the longest critique per step; null for free text. */
  constrainedChars: number | null;
  /** The model names written into solution and verification records. */
  models: { generator: string; verifier: string };
}

/** One problem: its missing solutions, then every unlabelled solution's verifications and label. */
export async function processProblem(w: ProblemWork, p: Problem): Promise<void> {
  const { o, ledger } = w;
  const { ready, groups } = planSolutions(p, o.solutions, ledger.state, (id) => ledger.skipFailed(id));
  const work: Promise<void>[] = ready.map((sol) => verifyAndLabel(w, p, sol));
  const maxTokens = groups.length ? await w.budget.generationTokens(p) : o.maxTokens;
  for (const group of groups) work.push(generateAndLabel(w, p, group, maxTokens));
  const results = await Promise.allSettled(work);
  const bad = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
  if (bad) throw bad.reason;
}

/** One generator call for the samples of `group`, then each new solution's verifications and label. */
async function generateAndLabel(w: ProblemWork, p: Problem, group: number[], maxTokens: number | undefined): Promise<void> {
  const { o, ledger } = w;
  const signal = o.signal;
  const r = await generateGroup(o.generator, p, group, { seed: o.seed, ...o.generatorSampling }, maxTokens, signal);
  throwIfAborted(signal);
  if (!r.ok) {
    for (const s of group) ledger.fail("solution", solutionId(p.id, s), p.id, r.error);
    return;
  }
  if (r.value.some((g) => g.finishReason === "cancelled")) throw new CancelledError();
  // The i-th generation is sample group[i]; generations past the group are ignored, samples without one get none.
  const sols = group.flatMap((sample, i) => {
    const g = r.value[i];
    if (g === undefined) return [];
    const rec = solutionRecord(p, sample, g, o.seed, w.models.generator);
    ledger.solution(rec);
    return [rec];
  });
  await Promise.all(sols.map((sol) => verifyAndLabel(w, p, sol)));
}

/** Missing verifications of a solution, then its label. */
export async function verifyAndLabel(w: ProblemWork, p: Problem, sol: SolutionRecord): Promise<void> {
  const { o, ledger } = w;
  const { state } = ledger;
  const signal = o.signal;
  const K = o.verifications;
  const chars = w.constrainedChars;
  if (state.labels.has(sol.id)) return;
  if (ledger.skipFailed(sol.id) && state.failed.get(sol.id)?.stage === "unverifiable") {
    ledger.leaveOut(sol.id);
    return;
  }
  let verifyMax = chars === null ? o.maxTokens : undefined;
  if (sol.steps.length > 0) {
    const budget = await w.budget.verificationTokens(p, sol);
    if ("unverifiable" in budget) {
      ledger.unverifiable(p, sol, budget.unverifiable);
      return;
    }
    verifyMax = budget.maxTokens;
  }
  const existing = new Map<number, VerificationRecord>();
  for (const v of state.pendingVerifications.get(sol.id) ?? []) existing.set(v.verification, v);
  state.pendingVerifications.delete(sol.id);
  if (sol.steps.length > 0) {
    const { groups, blocked } = planVerifications(p, sol, K, existing, (id) => ledger.skipFailed(id));
    const base = o.seed + sol.sample * K;
    if (groups.length) ledger.out.solutions.sync();
    await Promise.all(
      groups.map(async (group) => {
        const [first] = group;
        if (first === undefined) throw new Error(`verifyAndLabel: an empty verification group for ${sol.id} (planVerifications makes groups of at least one)`);
        const r = await verifyGroup(o.verifier, p, sol, verifyOptions(o, chars, group.length, base + first, p.reference, verifyMax), signal);
        throwIfAborted(signal);
        if (!r.ok) {
          if (UNVERIFIABLE_CODES.has(r.code ?? "")) ledger.unverifiable(p, sol, r.error);
          else for (const v of group) ledger.fail("verification", verificationId(p.id, sol.sample, v), p.id, r.error);
          return;
        }
        const meta = { model: w.models.verifier, template: o.template.name, referenceGuided: r.value.referenceGuided };
        r.value.samples.forEach((smp, i) => {
          const v = group[i];
          if (v === undefined) throw new Error(`verifyAndLabel: ${r.value.samples.length} verifier samples for a group of ${group.length} (${sol.id})`);
          const rec = verificationRecord(p, sol, v, smp, base, meta);
          ledger.verification(rec);
          existing.set(v, rec);
        });
        ledger.report();
      }),
    );
    if (blocked || existing.size < K) return; // a verification failed (or none fits): no label until it is redone
  }
  if (ledger.skipFailed(sol.id) && state.failed.get(sol.id)?.stage === "label") return;

  // Labels: the rule over the K parses, then the optional meta-critique.
  const { ordered, lab } = aggregateLabels(existing, sol.steps.length, labelRule(o.template, o.aggregate), o.tau);
  let meta: MetaCritiqueRecord | null = null;
  if (o.metaCritique && sol.steps.length > 0 && lab.explanation !== null) {
    const of = ordered[lab.explanation];
    if (of === undefined) throw new Error(`verifyAndLabel: the label explains itself by verification ${lab.explanation} of ${ordered.length} (${sol.id})`);
    const r = await critiqueVerification(o.verifier, p, sol, of, verifyOptions(o, chars, 1, o.seed + sol.sample * K, p.reference, verifyMax), signal);
    throwIfAborted(signal);
    if (!r.ok) {
      ledger.fail("label", sol.id, p.id, `meta-critique: ${r.error}`);
      return;
    }
    meta = metaCritiqueRecord(of, r.value, sol.steps.length);
  }
  ledger.label(labelRecord(p, sol, ordered, lab, meta));
}
