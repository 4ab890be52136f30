/**
 * What search works with: a (partial or full) solution as a list of steps, the prompt the generator
 * continues, the step a generation adds, and token bookkeeping. No `vscode` import here.
 *
 * Step rule (beam search): a step is one paragraph. The generator continues the solution so far
 * (the steps, each followed by a blank line, as in the prover's prompt of src/progress) and stops at
 * the next blank line (STEP_STOPS); what it wrote is cut by the trace segmenter (src/formats/text.ts)
 * and its first step is kept, so a model that writes "Step 2: …\nStep 3: …" without a blank line
 * still adds one step ("Step k:" markers are dropped, as the segmenter drops them). A step with a
 * final answer (a box, an answer line, "the answer is …") ends its beam; so does an empty one.
 */
import type { ChatMessage, Generation } from "../engines/engine";
import { segmentText } from "../formats/text";
import { extractStatedAnswer } from "../grading";
import { proverPrompt } from "../progress/proverPrompt";

/** Where a step generation stops: the blank line that ends a paragraph. */
export const STEP_STOPS = ["\n\n"];

export interface TokenCount {
  /** Prompt / prefix tokens run through a model (generator prompts counted once per call; scorer inputs as the engine reports them). */
  evaluated: number;
  /** Tokens generated (solutions, steps, verifications, rollouts). */
  generated: number;
}

export function addTokens(into: TokenCount, more: TokenCount): void {
  into.evaluated += more.evaluated;
  into.generated += more.generated;
}

export function noTokens(): TokenCount {
  return { evaluated: 0, generated: 0 };
}

export interface Candidate {
  steps: string[];
  /** The stated final answer (null when none). */
  answer: string | null;
  /** Whether it ended (a final answer, the model stopped, or a full solution). */
  done: boolean;
  /** Key for the PRM's prefix cache (children inherit their parent's). */
  key: string;
}

/** The solution text of a list of steps (paragraphs). */
export function solutionText(steps: readonly string[]): string {
  return steps.map((s) => s.trim()).join("\n\n");
}

/** The generator's prompt: the problem (with the boxed-answer instruction) and, to continue, the solution so far. */
export function generatorPrompt(problem: string, steps: readonly string[]): ChatMessage[] {
  const { head, segments } = proverPrompt(problem, steps);
  const messages = head.map((m) => ({ ...m }));
  const last = messages.at(-1);
  if (!last) throw new Error("generatorPrompt: the prover prompt has no message to continue");
  last.content = segments.join("");
  return messages;
}

/** The prompt as text, for counting its tokens (message contents; the chat template's own tokens are not counted). */
export function promptText(messages: readonly ChatMessage[]): string {
  return messages.map((m) => m.content).join("\n");
}

/** The steps of a text by the trace segmenter (the whole text as one step when it finds none). */
export function stepsOf(text: string): string[] {
  const t = text.trim();
  if (!t) return [];
  try {
    const steps = segmentText(t, { withRanges: false, onProblem: () => {} })
      .steps.map((s) => s.text.trim())
      .filter((s) => s !== "");
    return steps.length ? steps : [t];
  } catch {
    return [t];
  }
}

/** A full solution from one generation. */
export function fullCandidate(g: Generation, key: string): Candidate {
  const steps = stepsOf(g.text);
  return { steps, answer: extractStatedAnswer(g.text), done: true, key };
}

/** The child of `parent` that one step generation makes; null when the generation adds nothing to an empty solution. */
export function childCandidate(parent: Candidate, g: Generation): Candidate | null {
  const step = stepsOf(g.text)[0] ?? "";
  if (!step) return parent.steps.length ? { ...parent, done: true } : null;
  const steps = [...parent.steps, step];
  const stated = extractStatedAnswer(step);
  return { steps, answer: stated ?? parent.answer, done: stated !== null || g.finishReason === "cancelled", key: parent.key };
}
