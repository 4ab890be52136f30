/**
 * PAV progress in the editor, as plain data: the hover's ProgressView from a ProgressResult (the
 * prover's Q before → after with Q's Wilson interval, the advantage with Newcombe's interval, the
 * base policy's Q after the step with its interval, the effective reward Q^π + α·A^μ), and the
 * Information diagnostics of the steps that clearly lose progress (the whole interval of the
 * advantage below 0): "Step 3 loses progress: Q 0.62 → 0.25 (…)". No `vscode` import.
 */
import type { SourceRange, Trace } from "../core/trace";
import type { ProgressResult } from "../progress/estimateProgress";
import { advantageInterval, DEFAULT_CONFIDENCE, losesProgress, successesOf } from "../progress/intervals";
import { DEMO_NOTICE, type ProgressView } from "./stepAnnotations";

export function progressViewOf(result: ProgressResult, prover: string, demo: boolean): ProgressView {
  const m = result.rollouts;
  return {
    steps: result.steps.map((s) => ({
      index: s.index,
      qBefore: s.qBefore,
      qAfter: s.q,
      advantage: s.advantage,
      interval: advantageInterval(successesOf(s.qBefore, m), successesOf(s.q, m), m, DEFAULT_CONFIDENCE),
      qInterval: s.interval,
      rollouts: m,
      qBase: s.qBase,
      qBaseInterval: s.qBaseInterval,
      effective: s.effective,
    })),
    confidence: DEFAULT_CONFIDENCE,
    prover,
    samePolicy: result.samePolicy,
    seconds: result.seconds,
    demo,
  };
}

export interface ProgressDiagnostic {
  step: number;
  range: SourceRange | null;
  severity: "information";
  code: "loses-progress";
  message: string;
}

const minus = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;

/** One Information diagnostic per step whose advantage interval lies below 0. */
export function progressDiagnostics(trace: Pick<Trace, "steps">, result: ProgressResult, demo: boolean): ProgressDiagnostic[] {
  const m = result.rollouts;
  const level = `${Math.round(DEFAULT_CONFIDENCE * 100)}%`;
  const out: ProgressDiagnostic[] = [];
  for (const s of result.steps) {
    const before = successesOf(s.qBefore, m);
    const after = successesOf(s.q, m);
    if (!losesProgress(before, after, m)) continue;
    const [lo, hi] = advantageInterval(before, after, m);
    let message =
      `Step ${s.index + 1} loses progress: Q ${s.qBefore.toFixed(2)} → ${s.q.toFixed(2)} ` +
      `(advantage ${minus(s.advantage)}, ${level} interval ${minus(lo)} to ${minus(hi)}; ${m} prover rollouts per prefix)`;
    if (demo) message += ` — ${DEMO_NOTICE}`;
    out.push({ step: s.index, range: trace.steps[s.index]?.range ?? null, severity: "information", code: "loses-progress", message });
  }
  return out;
}
