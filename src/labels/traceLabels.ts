/**
 * Human labels override model (dataset) labels, e.g. for exports. No `vscode` import.
 *
 * Starting from the dataset's labels as per-step verdicts (a ProcessBench-style first error k means
 * steps before k correct, k wrong, after k unknown; -1 means all correct):
 * - "correct" sets the step to true, "incorrect" to false;
 * - "first-error" on step k sets k to false and every earlier step without a human label of its own
 *   to true (a first error says the steps before it are right);
 * - explicit human labels always win over what a "first-error" label implies.
 * The result is per-step labels with `firstError` = the first false step (-1 when none). With no
 * human labels for the trace, the dataset's labels come back unchanged.
 */
import { firstErrorOf, type TraceLabels } from "../core/trace";
import type { HumanLabel } from "./labelFile";

export function applyHumanLabels(base: TraceLabels | null, human: ReadonlyMap<number, HumanLabel>, stepCount: number): TraceLabels | null {
  const relevant = [...human.entries()].filter(([i]) => Number.isInteger(i) && i >= 0 && i < stepCount);
  if (relevant.length === 0) return base;
  const steps: (boolean | null)[] = new Array(stepCount).fill(null);
  if (base?.kind === "per-step") for (let i = 0; i < stepCount; i++) steps[i] = base.steps[i] ?? null;
  else if (base?.kind === "first-error")
    for (let i = 0; i < stepCount; i++) steps[i] = base.firstError < 0 || i < base.firstError ? true : i === base.firstError ? false : null;

  const firstErrors = relevant.filter(([, l]) => l === "first-error").map(([i]) => i);
  if (firstErrors.length) {
    const k = Math.min(...firstErrors);
    for (let i = 0; i < k; i++) steps[i] = true;
  }
  for (const [i, label] of relevant) steps[i] = label === "correct";
  return { kind: "per-step", steps, firstError: firstErrorOf(steps) };
}
