/**
 * What the prover continues: a chat whose user turn states the problem (and asks for a boxed final
 * answer, so rollouts can be graded) and whose assistant turn is the trace so far. Each step is one
 * segment, followed by a blank line, so a rollout after step h starts where step h+1 would.
 * No `vscode` import.
 */
import type { ChatMessage } from "../engines/engine";

export const PROVER_INSTRUCTION = "Solve the problem step by step. Put the final answer in \\boxed{}.";

/** The chat head (ending with an open, empty assistant turn) and the step segments. */
export function proverPrompt(problem: string, steps: readonly string[]): { head: ChatMessage[]; segments: string[] } {
  return {
    head: [
      { role: "user", content: `${problem.trim()}\n\n${PROVER_INSTRUCTION}` },
      { role: "assistant", content: "" },
    ],
    segments: steps.map((s) => `${s.trim()}\n\n`),
  };
}

/** The solution a rollout after `boundary` steps completes: those steps, then the rollout's text. */
export function completedSolution(segments: readonly string[], boundary: number, rollout: string): string {
  return segments.slice(0, boundary).join("") + rollout;
}
