/**
 * SPARK's meta-critique prompts (its structure, StepLens's words): pass 1 critiques an existing
 * verification, pass 2 merges verification and critique into a corrected verification in the
 * template's output format. No `vscode` import.
 */
import type { ChatMessage } from "../engines/engine";
import { FORMAT_DESCRIPTIONS } from "./builtinTemplates";
import { renderSolution, renderSteps } from "./placeholders";
import type { PromptInput, VerifierTemplate } from "./verifierTemplate";

/** The problem, the solution and (when given) the expected answer, each in its own tagged section. */
function metaSections(t: VerifierTemplate, input: PromptInput): string {
  const solution = t.format === "spark" ? renderSolution(input) : renderSteps(input.steps, t.stepStyle);
  const ref = input.reference?.trim() ? `\n<Expected Answer> ${input.reference.trim()} </Expected Answer>` : "";
  return `<Problem> ${input.problem.trim()} </Problem>\n<Solution Path> ${solution.trim()} </Solution Path>${ref}`;
}

/**
 * SPARK's meta-critique, pass 1 (its structure, StepLens's words): critique an existing verification.
 * The problem, the solution and the verification are in delimited sections; the verification should
 * come with its thinking already removed (the pipeline does it). Run at temperature 0.
 */
export function renderCritiquePrompt(t: VerifierTemplate, input: PromptInput, verification: string): ChatMessage[] {
  const content = `You are an expert in mathematics, and your job is to assess a verification of a solution to a math problem.

You will receive the problem, the solution path, and an original verification that went through that solution step by step.

Critique the original verification: decide whether the verifier checked each step correctly.

IMPORTANT: verifiers make mistakes of several kinds, for example:
1. **Missed errors**: a step marked "correct" that in fact contains a mathematical error
2. **False alarms**: a step marked "incorrect" that is in fact mathematically sound
3. **Wrong reasoning**: the right label, but an incorrect or incomplete explanation
4. **Inconsistent final verdict**: a conclusion that does not follow from the step-by-step analysis

Think about how you yourself would check each step of the solution, independently of the original verification. You may re-derive each step with a different valid method or from another angle and see whether you reach the same conclusion, or you may examine the original verification directly: did it find the errors, explain the mathematics correctly, and label every step correctly?

Reason critically first, and give your judgement only after that.

For every step the original verification analysed, decide:
- Did the verifier judge correctly whether the step is mathematically sound?
- Where it called a step correct: did it miss an error? (missed errors)
- Where it called a step incorrect: is its reasoning valid, and is the step really wrong? (false alarms)
- Is its mathematical explanation accurate and complete?
- Does its final conclusion follow from its step-by-step analysis? (inconsistent final verdict)

##Evaluation format##
Write your evaluation in this format:
**Critique of the original verification**: a detailed critique that takes the step verifications one at a time. For each step, re-evaluate whether the analysis was right, whether errors were found or missed, whether correct steps were wrongly marked incorrect, and whether the mathematical reasoning holds.

${metaSections(t, input)}
<Original Verification> ${verification.trim()} </Original Verification>

Now critique the original verification and give your final judgement on whether it analysed each step correctly.`;
  return [{ role: "user", content }];
}

/** The merge pass's format rules for each output format. */
function mergeFormatRules(t: VerifierTemplate): string {
  if (t.format === "spark")
    return `The result must use EXACTLY the same format as the original verification:
- Begin with "Teacher Verification:" only if the original does
- Give each step's analysis under a "## Step X:" heading
- End each step with "**This step is correct.**" or "**This step is incorrect.**"
- Finish with "**Verification: Is the answer correct (Yes/No)? X**"
- Add NO other sections, reflections or commentary outside this format`;
  return `The result must use EXACTLY the same format as the original verification: ${FORMAT_DESCRIPTIONS[t.format]}. Add NO other sections, reflections or commentary outside this format.`;
}

/**
 * SPARK's meta-critique, pass 2 (its structure, StepLens's words): merge the critique into the
 * verification, as if written in one go, in exactly the same format. Both inputs should come with
 * their thinking removed. Run at temperature 0.
 */
export function renderMergePrompt(t: VerifierTemplate, input: PromptInput, verification: string, critique: string): ChatMessage[] {
  const content = `You are an expert in mathematics and a careful critic of mathematical work.

You will receive an original verification and a critique of that verification.

Combine the two into one improved verification that takes in what the critique found.

Write the combined verification as if it had been produced in one go: as if the verifier had first verified the solution and then checked and refined its own analysis. Make it read smoothly, with transitional and reflective sentences where needed. Never use phrases such as "the original verification" or "the critique says": the result must read as one verification written at once.

If the critique found errors in the original analysis:
- correct them in the combined verification
- give the accurate mathematical reasoning
- change step labels (correct/incorrect) where needed
- make the final verdict agree with the corrected analysis

If the critique confirmed that the original verification was accurate:
- keep the original analysis, adding the further insights the critique offers
- explain more thoroughly where that helps
- keep the same step labels and the same final verdict

${mergeFormatRules(t)}

${metaSections(t, input)}
<Original Verification> ${verification.trim()} </Original Verification>
<Critique of the Verification> ${critique.trim()} </Critique of the Verification>

Now write the combined verification in exactly the format described above:`;
  return [{ role: "user", content }];
}
