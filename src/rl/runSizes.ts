/**
 * Sizes an RL run can actually run with, derived from what `rl init` was given: rollout tensor
 * parallel no larger than a node's GPUs (and dividing them), no more prompts per step than the
 * prompt file holds, and a step's completions (prompts × rollouts) split evenly over every GPU (or
 * CPU process). Each value that had to change is reported with why, so the CLI can say so on
 * stderr. TRL's micro-batch and gradient accumulation follow from the same numbers. No `vscode`
 * import here.
 */
import { StepLensError } from "../core/errors";
import type { RlEngine } from "./rlRunSpec";

export interface SizeRequest {
  engine: RlEngine;
  nodes: number;
  gpusPerNode: number;
  /** Completions per prompt (GRPO's group). */
  rollouts: number;
  /** Prompts per optimizer step. */
  batchSize: number;
  tensorParallel: number;
  /** Prompts in the run's data; 0 when none was given yet. */
  prompts: number;
}

export interface RunSizes {
  batchSize: number;
  tensorParallel: number;
  /** TRL: completions per process per micro-batch, and micro-batches per optimizer step. */
  perDeviceBatch: number;
  gradientAccumulation: number;
  /** One line per value that was changed, saying from what, to what and why. */
  clamped: string[];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function deriveRunSizes(r: SizeRequest): RunSizes {
  const clamped: string[] = [];
  const processes = r.nodes * r.gpusPerNode;

  let tp = Math.min(r.tensorParallel, r.gpusPerNode);
  while (tp > 1 && r.gpusPerNode % tp !== 0) tp--;
  // TRL generates without tensor parallel: the value is kept in range there, without a word.
  if (tp !== r.tensorParallel && r.engine !== "trl")
    clamped.push(`rollout tensor parallel ${r.tensorParallel} → ${tp}: it must divide the ${r.gpusPerNode} GPU(s) of a node.`);

  let batch = r.batchSize;
  if (r.prompts > 0 && batch > r.prompts) {
    clamped.push(`batch ${batch} → ${r.prompts} prompts per step: the prompt data holds ${r.prompts}.`);
    batch = r.prompts;
  }
  const fits = (b: number) => (b * r.rollouts) % processes === 0;
  if (!fits(batch)) {
    let b = batch;
    while (b > 0 && !fits(b)) b--;
    if (b === 0)
      throw new StepLensError(
        `${batch} prompt(s) × ${r.rollouts} rollouts = ${batch * r.rollouts} completions per step cannot be split evenly over ${processes} GPU(s).`,
        {
          code: "rl-bad-sizes",
          hint: `Give more prompts (--data, --batch), more rollouts (--generations) or fewer GPUs (--nodes, --gpus-per-node): prompts × rollouts must be a multiple of ${processes}.`,
        },
      );
    clamped.push(
      `batch ${batch} → ${b} prompts per step: ${b} × ${r.rollouts} rollouts must split evenly over ${processes} GPU(s) (${r.nodes} node(s) × ${r.gpusPerNode}).`,
    );
    batch = b;
  }
  const perProcess = (batch * r.rollouts) / processes;
  const perDeviceBatch = gcd(perProcess, r.rollouts);
  return { batchSize: batch, tensorParallel: tp, perDeviceBatch, gradientAccumulation: perProcess / perDeviceBatch, clamped };
}
