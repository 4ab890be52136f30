/**
 * Verifier prompt templates. Three are built in:
 * - `spark`: SPARK's step-by-step grading (`## Step k: …` then `**This step is correct.**` /
 *   `**This step is incorrect.**`, ending `**Verification: Is the answer correct (Yes/No)? X**`);
 * - `processbench`: ProcessBench's critic (paragraphs tagged and indexed from 0, the earliest wrong
 *   paragraph's index in `\boxed{}`, -1 when none);
 * - `thinkprm`: ThinkPRM's (`Step k: … \boxed{correct}` / `\boxed{incorrect}`).
 * Users edit them through a template file (setting `steplens.verify.promptTemplate` or `--template`):
 * - a `.json` file: {"format": "spark"|"processbench"|"thinkprm", "system"?: "…", "user": "…",
 *   "stepStyle"?: "step"|"paragraph", "fewShot"?: [{"problem", "steps": [...], "verification"}]};
 * - any other file: the user message, optionally preceded by front matter
 *   (`---` / `format: spark` / `stepStyle: step` / `---`).
 * Placeholders: {{problem}}, {{steps}}, {{step_count}}, {{last_index}}, {{reference}} (an
 * "Expected answer: …" line, empty without a reference). A reference given to a template without
 * {{reference}} is appended to the user message. No `vscode` import here.
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
  fewShot?: FewShotExample[];
}

export interface PromptInput {
  problem: string;
  steps: readonly string[];
  /** A known correct final answer: reference-guided verification (SPARK's "ceiling" baseline). */
  reference?: string | null;
}

export const PLACEHOLDERS = ["problem", "steps", "step_count", "last_index", "reference"] as const;

const SPARK_USER = `You are given a math problem and a student's solution, split into numbered steps.

Problem:
{{problem}}

Student Solution:
{{steps}}
{{reference}}
Verify the solution step by step. For every step k from 1 to {{step_count}}, in order, write a section

## Step k: <your analysis: redo the step's computations and check its reasoning>

and end each section with exactly one of these two lines:
**This step is correct.**
**This step is incorrect.**

After the last step, end with exactly this line, with X replaced by Yes or No:
**Verification: Is the answer correct (Yes/No)? X**`;

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
  spark: {
    name: "spark",
    format: "spark",
    stepStyle: "step",
    system: "You are a meticulous math teacher who grades students' solutions step by step.",
    user: SPARK_USER,
  },
  processbench: { name: "processbench", format: "processbench", stepStyle: "paragraph", user: PROCESSBENCH_USER },
  thinkprm: { name: "thinkprm", format: "thinkprm", stepStyle: "step", user: THINKPRM_USER },
};

/** The output format each built-in asks for, described for the meta-critique merge pass. */
export const FORMAT_DESCRIPTIONS: Readonly<Record<VerdictFormat, string>> = {
  spark:
    "one section per step, `## Step k: <analysis>` followed by `**This step is correct.**` or `**This step is incorrect.**`, and the final line `**Verification: Is the answer correct (Yes/No)? X**` with X Yes or No",
  processbench:
    "a paragraph-by-paragraph review, then the index of the earliest wrong paragraph (0-based, -1 if none) in \\boxed{}",
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

function fill(text: string, values: Record<(typeof PLACEHOLDERS)[number], string>): string {
  // One pass, so placeholder-like text inside the problem or steps is never expanded.
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, name: string) => (name in values ? values[name as keyof typeof values] : m));
}

function userMessage(t: VerifierTemplate, input: PromptInput): string {
  const reference = input.reference?.trim() ? `\nExpected answer: ${input.reference.trim()}\n` : "";
  const values = {
    problem: input.problem.trim(),
    steps: renderSteps(input.steps, t.stepStyle),
    step_count: String(input.steps.length),
    last_index: String(input.steps.length - 1),
    reference,
  };
  let text = fill(t.user, values);
  if (reference && !/\{\{\s*reference\s*\}\}/.test(t.user)) text += `\n\nExpected answer: ${input.reference!.trim()}`;
  return text.replace(/\n{3,}/g, "\n\n");
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
        fail(file, `unknown placeholder {{${m[1]}}}`, `Use one of ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}.`, lineOffset + i + 1);
  });
  for (const required of ["problem", "steps"])
    if (!new RegExp(`\\{\\{\\s*${required}\\s*\\}\\}`).test(text))
      fail(file, `the template never uses {{${required}}}`, `Put {{${required}}} where the ${required === "steps" ? "solution's steps" : "problem"} should appear.`);
}

function parseFormat(file: string, v: unknown, line?: number): VerdictFormat {
  if (typeof v === "string" && (VERDICT_FORMATS as readonly string[]).includes(v)) return v as VerdictFormat;
  return fail(file, `format ${JSON.stringify(v)} is not one of ${VERDICT_FORMATS.join(", ")}`, "Say which output format the prompt asks for, so that StepLens parses it.", line);
}

function parseStepStyle(file: string, v: unknown, format: VerdictFormat, line?: number): StepStyle {
  if (v === undefined) return format === "processbench" ? "paragraph" : "step";
  if (v === "step" || v === "paragraph") return v;
  return fail(file, `stepStyle ${JSON.stringify(v)} is neither "step" nor "paragraph"`, '"step" shows "Step 1: …" lines; "paragraph" shows <paragraph_0> tags.', line);
}

function parseFewShot(file: string, v: unknown): FewShotExample[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(file, "fewShot is not a list", 'Give a list of {"problem", "steps": [...], "verification"} objects.');
  return v.map((ex, i) => {
    const ok =
      typeof ex === "object" && ex !== null && typeof ex.problem === "string" && Array.isArray(ex.steps) && ex.steps.every((s: unknown) => typeof s === "string") && typeof ex.verification === "string";
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
    return {
      name: file,
      format,
      stepStyle: parseStepStyle(file, v.stepStyle, format),
      system: v.system as string | undefined,
      user: v.user as string,
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
  const format = parseFormat(file, meta.format?.[0] ?? "spark", meta.format?.[1]);
  checkPlaceholders(file, body, offset);
  return { name: file, format, stepStyle: parseStepStyle(file, meta.stepStyle?.[0], format, meta.stepStyle?.[1]), system: meta.system?.[0], user: body.trim() };
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

/** SPARK's meta-critique, pass 1: critique an existing verification (temperature 0). */
export function renderCritiquePrompt(t: VerifierTemplate, input: PromptInput, verification: string): ChatMessage[] {
  const content = `Below are a math problem, a student's solution split into steps, and a teacher's verification of that solution.

Problem:
${input.problem.trim()}

Student Solution:
${renderSteps(input.steps, t.stepStyle)}
${input.reference?.trim() ? `\nExpected answer: ${input.reference.trim()}\n` : ""}
Verification to critique:
${verification.trim()}

Critique this verification. Check, one by one:
1. errors in the solution that the verification missed;
2. steps it marked incorrect that are in fact correct (false alarms);
3. whether its final verdict agrees with its step verdicts;
4. each step's computations, re-derived by you.
List every problem you find and the step it concerns. Do not rewrite the verification.`;
  return [{ role: "user", content }];
}

/** SPARK's meta-critique, pass 2: merge the critique into the verification, same format (temperature 0). */
export function renderMergePrompt(t: VerifierTemplate, input: PromptInput, verification: string, critique: string): ChatMessage[] {
  const content = `Below are a math problem, a student's solution split into steps, a teacher's verification of it, and a critique of that verification.

Problem:
${input.problem.trim()}

Student Solution:
${renderSteps(input.steps, t.stepStyle)}
${input.reference?.trim() ? `\nExpected answer: ${input.reference.trim()}\n` : ""}
Verification:
${verification.trim()}

Critique of the verification:
${critique.trim()}

Rewrite the verification so that it takes the critique into account, as if you had written it in one go. Keep exactly the same format: ${FORMAT_DESCRIPTIONS[t.format]}. Output only the rewritten verification.`;
  return [{ role: "user", content }];
}
