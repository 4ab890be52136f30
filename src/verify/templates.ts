/**
 * Verifier prompt templates. Three are built in:
 * - `spark`: SPARK's step-by-step grading, laid out as SPARK's public code lays it out
 *   (`salman-lui/mixed_reward`, data-preparation-sky-math/6_… and 5_…): ONE user message, no system
 *   message — the grading instructions, two worked examples of a graded solution in the exact output
 *   format (`## Step k: …` then `**This step is correct.**` / `**This step is incorrect.**`, ending
 *   `**Verification: Is the answer correct (Yes/No)? X**`), then `Question:`, `Student Solution:` (the
 *   generator's text as written, when the caller has it) and the `Teacher Verification:` lead. The
 *   wording is StepLens's own; the structure and output format are SPARK's. With a reference answer
 *   the reference-guided variant is used: other instructions (does the solution reach the expected
 *   answer?) and an `Expected Answer:` line in both examples and before the lead;
 * - `processbench`: ProcessBench's critic (paragraphs tagged and indexed from 0, the earliest wrong
 *   paragraph's index in `\boxed{}`, -1 when none);
 * - `thinkprm`: ThinkPRM's (`Step k: … \boxed{correct}` / `\boxed{incorrect}`).
 * Users edit them through a template file (setting `steplens.verify.promptTemplate` or `--template`):
 * - a `.json` file: {"format": "spark"|"processbench"|"thinkprm", "system"?: "…", "user": "…",
 *   "userWithReference"?: "…", "stepStyle"?: "step"|"paragraph", "fewShot"?: [{"problem", "steps": [...], "verification"}]};
 * - any other file: the user message, optionally preceded by front matter
 *   (`---` / `format: spark` / `stepStyle: step` / `---`).
 * Placeholders: {{problem}}, {{steps}}, {{solution}} (the generator's text when given, else the steps
 * as "Step k: …" paragraphs), {{step_count}}, {{last_index}}, {{reference}} (an "Expected Answer: …"
 * line, empty without a reference), {{expected_answer}} (the bare reference). SPARK's own placeholder
 * names are understood too (`__QUESTION_PLACEHOLDER__`, `__SOLUTION_PLACEHOLDER__`,
 * `__EXPECTED_ANSWER_PLACEHOLDER__`), so SPARK's published prompt pasted into a file works verbatim;
 * so does ProcessBench's critique template (a Python format string with {problem} and
 * {tagged_response}; read as the `processbench` format).
 * A reference given to a template without a reference placeholder is put before its final
 * "Teacher Verification:" line when it ends with one, else appended. No `vscode` import here.
 *
 * One concept per file: this file renders a template into chat messages; the template's shape is
 * src/verify/verifierTemplate.ts, the prompt texts src/verify/builtinTemplates.ts, the placeholder
 * engine src/verify/placeholders.ts, template files (front matter through
 * src/formats/text/frontMatter.ts) src/verify/templateFile.ts, the meta-critique prompts
 * src/verify/critiquePrompts.ts. Everything is still exported from here.
 */
import type { ChatMessage } from "../engines/engine";
import { constrainedInstructions, type ConstrainedOptions } from "./constrainedSchema";
import { fill, renderSolution, renderSteps, usesPlaceholder, type Placeholder } from "./placeholders";
import type { FewShotExample, PromptInput, VerifierTemplate } from "./verifierTemplate";

// One concept per file; all still exported from here.
export type { FewShotExample, PromptInput, StepStyle, VerifierTemplate } from "./verifierTemplate";
export { PLACEHOLDERS, SPARK_PLACEHOLDER_ALIASES, renderSolution, renderSteps, stepBaseOf } from "./placeholders";
export { BUILTIN_TEMPLATES, FORMAT_DESCRIPTIONS } from "./builtinTemplates";
export { loadTemplateFile, resolveTemplate } from "./templateFile";
export { renderCritiquePrompt, renderMergePrompt } from "./critiquePrompts";

function userMessage(t: VerifierTemplate, input: PromptInput): string {
  const ref = input.reference?.trim() ?? "";
  let tpl = ref && t.userWithReference ? t.userWithReference : t.user;
  // Without a reference, an empty {{reference}} line leaves no gap behind.
  if (!ref) tpl = tpl.replace(/\n*[ \t]*\{\{\s*reference\s*\}\}[ \t]*\n*/g, "\n\n");
  const values: Record<Placeholder, string> = {
    problem: input.problem.trim(),
    steps: renderSteps(input.steps, t.stepStyle),
    solution: renderSolution(input),
    step_count: String(input.steps.length),
    last_index: String(input.steps.length - 1),
    reference: ref ? `\nExpected Answer: ${ref}\n` : "",
    expected_answer: ref,
  };
  let text = fill(tpl, values);
  if (ref && !usesPlaceholder(tpl, ["reference", "expected_answer"])) {
    // SPARK's layout puts the expected answer right before the "Teacher Verification:" lead.
    const lead = /\n[ \t]*Teacher Verification:[ \t]*$/.exec(text);
    if (lead) text = `${text.slice(0, lead.index).trimEnd()}\n\nExpected Answer: ${ref}\n\n${text.slice(lead.index).trimStart()}`;
    else text += `\n\nExpected Answer: ${ref}`;
  }
  return text;
}

export interface RenderOptions {
  /** Constrained (JSON) mode: the JSON instructions are appended to the user message. */
  constrained?: boolean | ConstrainedOptions;
}

/** The chat prompt: system, few-shot turns (user/assistant pairs), then the trace to verify. */
export function renderPrompt(t: VerifierTemplate, input: PromptInput, opts: RenderOptions = {}): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (t.system?.trim()) messages.push({ role: "system", content: t.system.trim() });
  for (const ex of t.fewShot ?? []) {
    messages.push({ role: "user", content: userMessage(t, { problem: ex.problem, steps: ex.steps }) });
    messages.push({ role: "assistant", content: ex.verification.trim() });
  }
  let user = userMessage(t, input);
  if (opts.constrained) {
    const c = typeof opts.constrained === "object" ? opts.constrained : {};
    user += "\n\n" + constrainedInstructions(t.format, input.steps.length, c);
  }
  messages.push({ role: "user", content: user });
  return messages;
}

/** The same template with few-shot examples added. */
export function withFewShot(t: VerifierTemplate, examples: FewShotExample[]): VerifierTemplate {
  return { ...t, fewShot: [...(t.fewShot ?? []), ...examples] };
}
