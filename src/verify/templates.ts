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
 */
import fs from "node:fs";
import path from "node:path";
import type { ChatMessage } from "../engines/engine";
import { StepLensError } from "../core/errors";
import { VERDICT_FORMATS, type VerdictFormat } from "./verification";
import { constrainedInstructions, type ConstrainedOptions } from "./constrainedSchema";

/** How the steps are shown to the verifier: "Step 1: …" (numbered from 1) or `<paragraph_0>` tags (from 0). */
export type StepStyle = "step" | "paragraph";

export interface FewShotExample {
  problem: string;
  steps: string[];
  /** The verification the model should imitate, in the template's format. */
  verification: string;
}

export interface VerifierTemplate {
  /** "spark", "processbench", "thinkprm", or the file it was read from. */
  name: string;
  format: VerdictFormat;
  stepStyle: StepStyle;
  system?: string;
  user: string;
  /** The user message used instead of `user` when a reference answer is given (reference-guided mode). */
  userWithReference?: string;
  fewShot?: FewShotExample[];
}

export interface PromptInput {
  problem: string;
  steps: readonly string[];
  /** A known correct final answer: reference-guided verification (SPARK's "ceiling" baseline). */
  reference?: string | null;
  /**
   * The solution as the generator wrote it, when the caller has it (data synthesis): shown verbatim
   * where the template says {{solution}}, as SPARK does. Without it the steps are shown as
   * "Step k: …" paragraphs.
   */
  solution?: string | null;
}

export const PLACEHOLDERS = ["problem", "steps", "solution", "step_count", "last_index", "reference", "expected_answer"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** SPARK's placeholder names (its published prompts), read as StepLens's. */
export const SPARK_PLACEHOLDER_ALIASES: Readonly<Record<string, Placeholder>> = {
  __QUESTION_PLACEHOLDER__: "problem",
  __SOLUTION_PLACEHOLDER__: "solution",
  __EXPECTED_ANSWER_PLACEHOLDER__: "expected_answer",
};

/** SPARK's instructions (reference-free), in StepLens's words. */
const SPARK_INSTRUCTIONS = `You are a math teacher checking a student's work. Go through the student's solution one step at a time and find any mistakes. For every step, write your analysis and then a verdict. Check the reasoning, the arithmetic and the logic of each step yourself instead of taking the student's word for it.

Important: every step is either "correct" or "incorrect" - there is no partial credit. A step with any mistake or omission is incorrect.

When you have gone through every step, give your final verdict in the form 'Verification: Is the answer correct (Yes/No)? X', where X is Yes or No.`;

/** SPARK's reference-guided instructions: the solution is also checked against the expected answer. */
const SPARK_INSTRUCTIONS_REFERENCE = `You are a math teacher checking a student's work. Go through the student's solution one step at a time, check whether it arrives at the expected answer, and find any mistakes. For every step, write your analysis and then a verdict. Use the Expected Answer to help you decide whether the student's work is correct.

Important: every step is either "correct" or "incorrect" - there is no partial credit. A step with any mistake or omission is incorrect.

When you have gone through every step, give your final verdict in the form 'Verification: Is the answer correct (Yes/No)? X', where X is Yes or No.`;

interface SparkExample {
  question: string;
  solution: string;
  expected: string;
  verification: string;
}

const SPARK_EXAMPLES: readonly SparkExample[] = [
  {
    question: "A bakery sells muffins for $3 each and cookies for $2 each. Maya buys 4 muffins and 5 cookies. How much does she spend in dollars?",
    solution: `Step 1: Find the cost of the muffins
Each muffin costs $3, so 4 muffins cost $4 \\times 3 = 12$ dollars.

Step 2: Find the cost of the cookies
Each cookie costs $2, so 5 cookies cost $5 \\times 2 = 10$ dollars.

Step 3: Add the two costs
The total is $12 + 10 = 22$ dollars.

Answer: 22`,
    expected: "22",
    verification: `## Step 1: Find the cost of the muffins
The price per muffin is $3 and Maya buys 4 of them, so the muffins cost $4 \\times 3 = 12$ dollars. The multiplication is right and it uses the numbers given in the problem.

**This step is correct.**

## Step 2: Find the cost of the cookies
The price per cookie is $2 and she buys 5, so the cookies cost $5 \\times 2 = 10$ dollars. This is computed correctly.

**This step is correct.**

## Step 3: Add the two costs
Adding the two partial costs gives $12 + 10 = 22$ dollars, which is what she spends in all. The sum is right and it answers the question that was asked.

**This step is correct.**

**Verification: Is the answer correct (Yes/No)? Yes**`,
  },
  {
    question: "A rectangle has a perimeter of 36 cm, and its length is twice its width. What is its area in square centimetres?",
    solution: `Step 1: Name the unknowns
Let the width be $w$ cm. The length is twice the width, so it is $2w$ cm.

Step 2: Use the perimeter
The perimeter is $w + 2w = 36$, so $3w = 36$ and $w = 12$.

Step 3: Find the length
The length is $2w = 24$ cm.

Step 4: Compute the area
The area is $12 \\times 24 = 288$ square centimetres.

Answer: 288`,
    expected: "72",
    verification: `## Step 1: Name the unknowns
Calling the width $w$ and the length $2w$ expresses the condition that the length is twice the width. This is a sound way to set up the problem.

**This step is correct.**

## Step 2: Use the perimeter
The perimeter of a rectangle is $2(\\text{length} + \\text{width}) = 2(2w + w) = 6w$, not $w + 2w$. The student added only one length and one width, so the equation should be $6w = 36$, giving $w = 6$, not $w = 12$.

**This step is incorrect.**

## Step 3: Find the length
Doubling the width is the right method, but it starts from the wrong width of 12. With $w = 6$ the length is $12$ cm, not $24$ cm.

**This step is incorrect.**

## Step 4: Compute the area
Multiplying length by width is the right formula, but both numbers carry the error from Step 2. The area should be $6 \\times 12 = 72$ square centimetres, not 288.

**This step is incorrect.**

**Verification: Is the answer correct (Yes/No)? No**`,
  },
];

function sparkUser(withReference: boolean): string {
  const examples = SPARK_EXAMPLES.map(
    (ex, i) =>
      `Example ${i + 1}:\n\nQuestion:\n${ex.question}\n\nStudent Solution:\n${ex.solution}\n\n${withReference ? `Expected Answer: ${ex.expected}\n\n` : ""}Teacher Verification:\n\n${ex.verification}\n\n---`,
  ).join("\n\n");
  return `${withReference ? SPARK_INSTRUCTIONS_REFERENCE : SPARK_INSTRUCTIONS}

${examples}

Now grade the following student solution step by step in the same way.

Question: {{problem}}

Student Solution: {{solution}}
${withReference ? "\nExpected Answer: {{expected_answer}}\n" : ""}
Teacher Verification:`;
}

const SPARK_USER = sparkUser(false);
const SPARK_USER_REFERENCE = sparkUser(true);

const PROCESSBENCH_USER = `The following is a math problem and a solution, split into paragraphs enclosed in tags and indexed from 0.

[Math Problem]

{{problem}}

[Solution]

{{steps}}
{{reference}}
Review and critique the solution paragraph by paragraph. When you find an error, return the index of the paragraph where the earliest error occurs; if every paragraph is correct, return -1.

Put your final answer (the index, from -1 to {{last_index}}) in \\boxed{}.`;

const THINKPRM_USER = `You are given a math problem and a proposed step-by-step solution:

[Math Problem]

{{problem}}

[Solution]

{{steps}}
{{reference}}
Review and critique each step in the proposed solution to determine whether each step is correct. If the solution is incomplete, only verify the provided steps. For each step write "Step k: <critique> The step is \\boxed{correct}" or "… The step is \\boxed{incorrect}", then end with "Is the solution correct? Yes" or "Is the solution correct? No".

Let's verify step by step:`;

export const BUILTIN_TEMPLATES: Readonly<Record<VerdictFormat, VerifierTemplate>> = {
  spark: { name: "spark", format: "spark", stepStyle: "step", user: SPARK_USER, userWithReference: SPARK_USER_REFERENCE },
  processbench: { name: "processbench", format: "processbench", stepStyle: "paragraph", user: PROCESSBENCH_USER },
  thinkprm: { name: "thinkprm", format: "thinkprm", stepStyle: "step", user: THINKPRM_USER },
};

/** The output format each built-in asks for, described for the meta-critique merge pass. */
export const FORMAT_DESCRIPTIONS: Readonly<Record<VerdictFormat, string>> = {
  spark:
    "one section per step, `## Step k: <analysis>` followed by `**This step is correct.**` or `**This step is incorrect.**`, and the final line `**Verification: Is the answer correct (Yes/No)? X**` with X Yes or No",
  processbench: "a paragraph-by-paragraph review, then the index of the earliest wrong paragraph (0-based, -1 if none) in \\boxed{}",
  thinkprm: 'one line per step, "Step k: <critique> The step is \\boxed{correct}" or "\\boxed{incorrect}", then "Is the solution correct? Yes" or "No"',
};

/** Step numbering the parser expects for a template. */
export function stepBaseOf(t: Pick<VerifierTemplate, "stepStyle">): 0 | 1 {
  return t.stepStyle === "paragraph" ? 0 : 1;
}

export function renderSteps(steps: readonly string[], style: StepStyle): string {
  if (style === "paragraph") return steps.map((s, i) => `<paragraph_${i}>\n${s}\n</paragraph_${i}>`).join("\n\n");
  return steps.map((s, i) => `Step ${i + 1}: ${s}`).join("\n");
}

/** The steps as SPARK's generator lays a solution out: "Step k: …" paragraphs separated by a blank line. */
export function renderSolution(input: Pick<PromptInput, "steps" | "solution">): string {
  if (input.solution?.trim()) return input.solution;
  return input.steps.map((s, i) => `Step ${i + 1}: ${s}`).join("\n\n");
}

const PLACEHOLDER_RE = /\{\{\s*([a-z_]+)\s*\}\}|(__[A-Z_]+_PLACEHOLDER__)/g;

function usesPlaceholder(text: string, names: readonly Placeholder[]): boolean {
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    const name = m[1] ?? SPARK_PLACEHOLDER_ALIASES[m[2]];
    if (name && (names as readonly string[]).includes(name)) return true;
  }
  return false;
}

function fill(text: string, values: Record<Placeholder, string>): string {
  // One pass, so placeholder-like text inside the problem or steps is never expanded.
  return text.replace(PLACEHOLDER_RE, (m, name: string | undefined, alias: string | undefined) => {
    const key = name ?? SPARK_PLACEHOLDER_ALIASES[alias!];
    return key !== undefined && key in values ? values[key as Placeholder] : m;
  });
}

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

function fail(file: string, message: string, hint: string, line?: number): never {
  throw new StepLensError(message, { file, line, hint, code: "bad-template" });
}

function checkPlaceholders(file: string, text: string, lineOffset: number): void {
  const lines = text.split("\n");
  lines.forEach((l, i) => {
    for (const m of l.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g))
      if (!(PLACEHOLDERS as readonly string[]).includes(m[1]))
        fail(
          file,
          `unknown placeholder {{${m[1]}}}`,
          `Use one of ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")} (or SPARK's ${Object.keys(SPARK_PLACEHOLDER_ALIASES).join(", ")}).`,
          lineOffset + i + 1,
        );
  });
  if (!usesPlaceholder(text, ["problem"]))
    fail(file, "the template never uses {{problem}}", "Put {{problem}} (or __QUESTION_PLACEHOLDER__) where the problem should appear.");
  if (!usesPlaceholder(text, ["steps", "solution"]))
    fail(
      file,
      "the template never uses {{steps}} or {{solution}}",
      "Put {{steps}} or {{solution}} (or __SOLUTION_PLACEHOLDER__) where the solution's steps should appear.",
    );
}

function parseFormat(file: string, v: unknown, line?: number): VerdictFormat {
  if (typeof v === "string" && (VERDICT_FORMATS as readonly string[]).includes(v)) return v as VerdictFormat;
  return fail(
    file,
    `format ${JSON.stringify(v)} is not one of ${VERDICT_FORMATS.join(", ")}`,
    "Say which output format the prompt asks for, so that StepLens parses it.",
    line,
  );
}

function parseStepStyle(file: string, v: unknown, format: VerdictFormat, line?: number): StepStyle {
  if (v === undefined) return format === "processbench" ? "paragraph" : "step";
  if (v === "step" || v === "paragraph") return v;
  return fail(
    file,
    `stepStyle ${JSON.stringify(v)} is neither "step" nor "paragraph"`,
    '"step" shows "Step 1: …" lines; "paragraph" shows <paragraph_0> tags.',
    line,
  );
}

function parseFewShot(file: string, v: unknown): FewShotExample[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(file, "fewShot is not a list", 'Give a list of {"problem", "steps": [...], "verification"} objects.');
  return v.map((ex, i) => {
    const ok =
      typeof ex === "object" &&
      ex !== null &&
      typeof ex.problem === "string" &&
      Array.isArray(ex.steps) &&
      ex.steps.every((s: unknown) => typeof s === "string") &&
      typeof ex.verification === "string";
    if (!ok) fail(file, `fewShot[${i}] is not {"problem": string, "steps": string[], "verification": string}`, "Fix or remove that example.");
    return { problem: ex.problem, steps: ex.steps, verification: ex.verification };
  });
}

/** Reads a template file (see the module comment for the two layouts). */
export function loadTemplateFile(file: string): VerifierTemplate {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new StepLensError(`cannot read the template file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file,
      hint: `Set steplens.verify.promptTemplate (or --template) to spark, processbench, thinkprm or an existing file.`,
    });
  }
  text = text.replace(/\r\n/g, "\n");
  if (file.toLowerCase().endsWith(".json")) {
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return fail(file, `the template is not valid JSON: ${(e as Error).message}`, "Fix the JSON, or use a plain-text template.");
    }
    if (typeof v !== "object" || v === null || typeof v.user !== "string")
      fail(file, 'the JSON template has no "user" text', 'Give at least {"format": "spark", "user": "… {{problem}} … {{steps}} …"}.');
    const format = parseFormat(file, v.format ?? "spark");
    checkPlaceholders(file, v.user as string, 0);
    if (v.system !== undefined && typeof v.system !== "string") fail(file, '"system" is not a string', "Give the system message as a string, or leave it out.");
    if (v.userWithReference !== undefined) {
      if (typeof v.userWithReference !== "string")
        fail(file, '"userWithReference" is not a string', "Give the reference-guided user message as a string, or leave it out.");
      checkPlaceholders(file, v.userWithReference, 0);
    }
    return {
      name: file,
      format,
      stepStyle: parseStepStyle(file, v.stepStyle, format),
      system: v.system as string | undefined,
      user: v.user as string,
      ...(typeof v.userWithReference === "string" ? { userWithReference: v.userWithReference } : {}),
      fewShot: parseFewShot(file, v.fewShot),
    };
  }
  let body = text;
  let offset = 0;
  const meta: Record<string, [string, number]> = {};
  if (text.startsWith("---\n")) {
    const end = text.indexOf("\n---", 4);
    if (end < 0) fail(file, "the front matter opened on line 1 is never closed", "End it with a line holding only ---.", 1);
    const head = text.slice(4, end).split("\n");
    head.forEach((l, i) => {
      if (!l.trim() || l.trim().startsWith("#")) return;
      const m = /^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$/.exec(l);
      if (!m) fail(file, `cannot read front matter line "${l.trim()}"`, "Write key: value (format, stepStyle or system).", i + 2);
      meta[m[1]] = [m[2], i + 2];
    });
    const after = text.indexOf("\n", end + 4);
    body = after < 0 ? "" : text.slice(after + 1);
    offset = head.length + 2;
    for (const k of Object.keys(meta))
      if (!["format", "stepStyle", "system"].includes(k)) fail(file, `unknown front matter key "${k}"`, "Known keys: format, stepStyle, system.", meta[k][1]);
  }
  // ProcessBench's published critique template (a Python format string) works verbatim.
  const python = PROCESSBENCH_PYTHON_TEMPLATE.test(body);
  if (python) body = fromPythonFormat(body);
  const format = parseFormat(file, meta.format?.[0] ?? (python ? "processbench" : "spark"), meta.format?.[1]);
  checkPlaceholders(file, body, offset);
  return { name: file, format, stepStyle: parseStepStyle(file, meta.stepStyle?.[0], format, meta.stepStyle?.[1]), system: meta.system?.[0], user: body.trim() };
}

/** ProcessBench's code/templates/critique_template.txt: Python str.format fields {problem} and {tagged_response}. */
const PROCESSBENCH_PYTHON_TEMPLATE = /\{tagged_response\}/;

/**
 * A Python format string as StepLens's template: {problem} → {{problem}}, {tagged_response} →
 * {{steps}} (the paragraphs tagged from 0, as ProcessBench's script tags them), `{{`/`}}` → `{`/`}`.
 */
function fromPythonFormat(text: string): string {
  return text.replace(/\{\{|\}\}|\{(problem|tagged_response)\}/g, (m, field: string | undefined) =>
    m === "{{" ? "{" : m === "}}" ? "}" : field === "problem" ? "{{problem}}" : "{{steps}}",
  );
}

/**
 * The template a setting names: a built-in name, or a path (relative paths resolve against `baseDir`,
 * e.g. the workspace folder or the CLI's working directory).
 */
export function resolveTemplate(setting: string, baseDir = process.cwd()): VerifierTemplate {
  const s = setting.trim() || "spark";
  if ((VERDICT_FORMATS as readonly string[]).includes(s)) return BUILTIN_TEMPLATES[s as VerdictFormat];
  return loadTemplateFile(path.resolve(baseDir, s));
}

/** The same template with few-shot examples added. */
export function withFewShot(t: VerifierTemplate, examples: FewShotExample[]): VerifierTemplate {
  return { ...t, fewShot: [...(t.fewShot ?? []), ...examples] };
}

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
