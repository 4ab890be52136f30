/**
 * The generator's prompt and sampling defaults, after SPARK's public stage-I code
 * (salman-lui/mixed_reward, data-preparation-sky-math/1_student_generator.py): one user message
 * asking for a step-by-step solution in numbered steps ("Step 1", "Step 2", …) whose last line is
 * "Answer: …" (no \boxed required); N solutions per problem at temperature 0.7, top_p 0.95.
 * The wording here is StepLens's own; the format it asks for is SPARK's, and it is what the
 * segmenter (src/formats/text.ts) cuts on: "Step k:" markers, then the final "Answer:" line.
 * No `vscode` import.
 */
import type { ChatMessage } from "../engines/engine";

/** Names the prompt version in manifests (changing the wording changes this). */
export const GENERATOR_PROMPT_ID = "spark-step-v1";

export const GENERATOR_DEFAULTS = {
  /** SPARK generates 20 per problem; StepLens's default is smaller, for a first run. */
  solutions: 8,
  temperature: 0.7,
  topP: 0.95,
  maxTokens: 4096,
} as const;

/** Verifier sampling: SPARK's K verifications at temperature 0.8, top_p 0.95. */
export const VERIFIER_DEFAULTS = {
  verifications: 16,
  temperature: 0.8,
  topP: 0.95,
  maxTokens: 8192,
} as const;

export function generatorPrompt(problem: string): ChatMessage[] {
  const content = [
    "Solve the following math problem step by step. The last line of your response must have the form Answer: $ANSWER, where $ANSWER is the final answer to the problem.",
    "",
    `Problem: ${problem.trim()}`,
    "",
    "Write your solution as clear, numbered steps (Step 1, Step 2, and so on), explaining the reasoning of each step.",
    "",
    'Put your final answer on its own line after "Answer:"; you do not need a \\boxed command.',
    "",
    "Solution:",
  ].join("\n");
  return [{ role: "user", content }];
}
