/**
 * The judge adapter's question for an instruct model on an endpoint: "is step k correct, given the
 * problem and steps 1..k?", answered Yes or No. The score is P(Yes) / (P(Yes) + P(No)) read from
 * the first generated token's top logprobs (SCIENCE.md §4, "any instruct model as judge").
 * The wording and layout are the local judge adapter's (src/engines/prm/judge.ts), so a model
 * judged locally or on an endpoint sees the same per-step prompt. No `vscode` import here.
 */
import type { ChatMessage } from "../engine";
import type { PromptFormat } from "../presets";
import { formatStep } from "../prm/plan";
import { JUDGE_DEFAULTS } from "../prm/judge";

/** The candidate labels: the preset's, else Yes / No. */
export function judgeLabels(format: PromptFormat = {}): { positive: string; negative: string } {
  return { positive: format.positive ?? JUDGE_DEFAULTS.positive, negative: format.negative ?? JUDGE_DEFAULTS.negative };
}

/** The conversation that asks whether step `index` (0-based) of `steps` is correct. */
export function judgeMessages(problem: string, steps: readonly string[], index: number, format: PromptFormat = {}): ChatMessage[] {
  if (index < 0 || index >= steps.length) throw new RangeError(`step index ${index} outside 0..${steps.length - 1}`);
  const stepFormat = format.stepFormat ?? JUDGE_DEFAULTS.stepFormat;
  const question = format.question ?? JUDGE_DEFAULTS.question;
  const system = format.system ?? JUDGE_DEFAULTS.system;
  const shown = steps
    .slice(0, index + 1)
    .map((s, i) => formatStep(stepFormat, i + 1, s.trim()))
    .join("\n");
  const user = `Problem:\n${problem.trim()}\n\nSolution steps so far:\n${shown}\n\n${formatStep(question, index + 1, "")}`;
  return [...(system ? [{ role: "system" as const, content: system }] : []), { role: "user", content: user }];
}
