/** The JSON of one reward: what `steplens reward --json` prints per line and /v1/reward answers per item. */
import type { RewardDetail } from "./rewardScorer";

export function rewardJson(line: number | undefined, d: RewardDetail): Record<string, unknown> {
  return {
    ...(line !== undefined ? { line } : {}),
    reward: d.reward,
    gate: { passed: d.gate.passed, reasons: d.gate.reasons, details: d.gate.details },
    outcome: d.outcome,
    steps: d.steps,
    stepRewards: d.stepRewards,
    stepCount: d.stepCount,
    scalarize: d.scalarize,
    source: d.source,
    answer: d.answer,
    answerCorrect: d.answerCorrect,
    seconds: d.seconds,
  };
}
