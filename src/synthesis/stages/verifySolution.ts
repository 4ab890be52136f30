/**
 * The verification stage of a solution: which of its K verifications are still to be asked for
 * (those on disk are kept, failed ones left alone block its label), the verifier's options for a
 * group of them (verification v of sample s uses seed + s·K + v; all K missing: one call with K
 * samples), and the verification record of each sample. No `vscode` import.
 */
import type { Engine } from "../../engines/engine";
import { verifyTrace, type VerifyOptions, type VerifyResult, type VerifySample } from "../../verify/verifyPipeline";
import { verificationId } from "../ids";
import type { Problem } from "../problems";
import type { SolutionRecord, StoredParse, VerificationRecord } from "../records";
import type { SynthesisOptions } from "../synthesisOptions";
import { withRetries, type CallResult } from "./retry";

export interface VerificationPlan {
  /** Verifications to ask for, grouped per verifier call. */
  groups: number[][];
  /** A verification failed before and is left alone: the solution gets no label in this run. */
  blocked: boolean;
}

/** The verifications of solution `sol` still to do, given those on disk (`existing`, by index). */
export function planVerifications(
  p: Problem,
  sol: SolutionRecord,
  verifications: number,
  existing: ReadonlyMap<number, VerificationRecord>,
  skipFailed: (target: string) => boolean,
): VerificationPlan {
  const K = verifications;
  const missing: number[] = [];
  let blocked = false;
  for (let v = 0; v < K; v++) {
    if (existing.has(v)) continue;
    if (skipFailed(verificationId(p.id, sol.sample, v))) blocked = true;
    else missing.push(v);
  }
  // All missing: one call with K samples (the local engine runs them as K sequences of one context).
  const groups = missing.length === K ? [missing] : missing.map((v) => [v]);
  return { groups, blocked };
}

/** The options of verifyTrace for `samples` verifications from `seed` (never its own meta-critique: labelling does that). */
export function verifyOptions(
  o: Pick<SynthesisOptions, "template" | "verifierSampling" | "tau" | "aggregate" | "maxTokens">,
  constrainedChars: number | null,
  samples: number,
  seed: number,
  reference: string | null,
  maxTokens = o.maxTokens,
): VerifyOptions {
  return {
    template: o.template,
    samples,
    temperature: o.verifierSampling.temperature,
    topP: o.verifierSampling.topP,
    seed,
    tau: o.tau,
    aggregate: o.aggregate,
    metaCritique: false,
    reference,
    maxTokens,
    constrained: constrainedChars === null ? false : { maxCritiqueChars: constrainedChars },
    role: "verifier",
  };
}

/** One verifier call for a group of verifications, with its tries. */
export function verifyGroup(
  verifier: Engine,
  p: Problem,
  sol: SolutionRecord,
  options: VerifyOptions,
  signal: AbortSignal | undefined,
): Promise<CallResult<VerifyResult>> {
  const input = { problem: p.problem, steps: sol.steps, reference: p.reference };
  return withRetries(() => verifyTrace(verifier, input, options, { signal }), signal);
}

/** A parse as stored: without its thinking text (that stays in the record's text). */
export function stripThinking(p: StoredParse & { thinking?: unknown }): StoredParse {
  const { thinking: _thinking, ...rest } = p;
  void _thinking;
  return rest;
}

/** The record of verification `v` of solution `sol`, from one sample of a verifyTrace call seeded from `base` (seed + s·K). */
export function verificationRecord(
  p: Problem,
  sol: SolutionRecord,
  v: number,
  smp: VerifySample,
  base: number,
  meta: { model: string; template: string; referenceGuided: boolean },
): VerificationRecord {
  return {
    id: verificationId(p.id, sol.sample, v),
    solutionId: sol.id,
    problemId: p.id,
    sample: sol.sample,
    verification: v,
    text: smp.text,
    finishReason: smp.finishReason,
    tokens: smp.tokens,
    seed: base + v,
    model: meta.model,
    template: meta.template,
    referenceGuided: meta.referenceGuided,
    parse: stripThinking(smp.parse),
  };
}
