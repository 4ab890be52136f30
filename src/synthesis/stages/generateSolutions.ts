/**
 * The generation stage of a problem: which of its N solutions are still to be generated (and which
 * wait, already on disk, for their labels), the generator's request for a group of samples (sample s
 * uses seed + s; all N missing: one call with n = N), and the solution record of a generation: the
 * text cut into steps by the editor's segmenter, the final answer graded against the reference.
 * No `vscode` import.
 */
import { StepLensError } from "../../core/errors";
import type { Engine, GenerateRequest, Generation } from "../../engines/engine";
import { segmentText } from "../../formats/text";
import { gradePair } from "../../grading";
import { generatorPrompt } from "../generatorPrompt";
import { solutionId } from "../ids";
import type { FolderState } from "../outputFolder";
import type { Problem } from "../problems";
import type { SolutionRecord } from "../records";
import { withRetries, type CallResult } from "./retry";

export interface SolutionPlan {
  /** Solutions on disk without a label (taken out of the state's pending solutions). */
  ready: SolutionRecord[];
  /** Samples to generate, grouped per generator call. */
  groups: number[][];
}

/**
 * The solutions of a problem still to do: labelled ones are done, pending ones are handed on (and
 * taken out of `state.pendingSolutions`), those on disk or failed (left alone) are skipped, the rest
 * are generated, in one group when all N are missing, else one call each.
 */
export function planSolutions(p: Problem, solutions: number, state: FolderState, skipFailed: (target: string) => boolean): SolutionPlan {
  const ready: SolutionRecord[] = [];
  const missing: number[] = [];
  for (let s = 0; s < solutions; s++) {
    const id = solutionId(p.id, s);
    if (state.labels.has(id)) continue;
    const pending = state.pendingSolutions.get(id);
    if (pending) {
      state.pendingSolutions.delete(id);
      ready.push(pending);
    } else if (state.solutions.has(id) || skipFailed(id)) continue;
    else missing.push(s);
  }
  const groups = missing.length === solutions ? [missing] : missing.map((s) => [s]);
  return { ready, groups };
}

export interface GenerationSettings {
  seed: number;
  temperature: number;
  topP: number;
}

/** The generator's request for the samples of `group` (consecutive seeds from seed + group[0]). */
export function generationRequest(p: Problem, group: number[], settings: GenerationSettings, maxTokens: number | undefined): GenerateRequest {
  const [first] = group;
  if (first === undefined) throw new Error(`generationRequest: an empty sample group for problem ${p.id} (planSolutions makes groups of at least one sample)`);
  return {
    role: "generator",
    prompt: generatorPrompt(p.problem),
    n: group.length,
    temperature: settings.temperature,
    topP: settings.topP,
    seed: settings.seed + first,
    maxTokens,
  };
}

/** One generator call for a group of samples, with its tries. */
export function generateGroup(
  generator: Engine,
  p: Problem,
  group: number[],
  settings: GenerationSettings,
  maxTokens: number | undefined,
  signal: AbortSignal | undefined,
): Promise<CallResult<Generation[]>> {
  return withRetries(() => generator.generate(generationRequest(p, group, settings, maxTokens), { signal }), signal);
}

/** The solution record of sample `s`: its steps as the editor would show them, its answer graded against the reference. */
export function solutionRecord(p: Problem, s: number, g: Generation, seed: number, model: string): SolutionRecord {
  let steps: string[] = [];
  let finalAnswer: string | null = null;
  try {
    // The editor's segmenter: the steps the user would see if they opened the solution.
    const trace = segmentText(g.text, { withRanges: false, onProblem: () => undefined });
    steps = trace.steps.map((st) => st.text);
    finalAnswer = trace.finalAnswer;
  } catch (e) {
    if (!(e instanceof StepLensError)) throw e;
  }
  const graded = p.reference !== null ? gradePair(p.reference, g.text) : null; // the answer grader: extractAnswer + answersEqual
  return {
    id: solutionId(p.id, s),
    problemId: p.id,
    sample: s,
    problem: p.problem,
    text: g.text,
    steps,
    finalAnswer,
    finishReason: g.finishReason,
    tokens: g.tokens,
    seed: seed + s,
    model,
    reference: p.reference,
    answerCorrect: graded ? graded.equal : null,
    predicted: graded ? graded.extracted || null : null,
  };
}
