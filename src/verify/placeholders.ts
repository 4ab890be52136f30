/**
 * The placeholder engine of verifier templates: {{problem}}, {{steps}}, {{solution}},
 * {{step_count}}, {{last_index}}, {{reference}}, {{expected_answer}} and SPARK's own names
 * (`__QUESTION_PLACEHOLDER__`, …), filled in one pass (placeholder-like text inside the problem is
 * never expanded); and the two ways the steps are laid out. No `vscode` import.
 */
import type { PromptInput, StepStyle, VerifierTemplate } from "./verifierTemplate";

export const PLACEHOLDERS = ["problem", "steps", "solution", "step_count", "last_index", "reference", "expected_answer"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** SPARK's placeholder names (its published prompts), read as StepLens's. */
export const SPARK_PLACEHOLDER_ALIASES: Readonly<Record<string, Placeholder>> = {
  __QUESTION_PLACEHOLDER__: "problem",
  __SOLUTION_PLACEHOLDER__: "solution",
  __EXPECTED_ANSWER_PLACEHOLDER__: "expected_answer",
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

/** The placeholder a SPARK spelling stands for (undefined: not one, or no SPARK spelling matched). */
function sparkAlias(alias: string | undefined): Placeholder | undefined {
  return alias === undefined ? undefined : SPARK_PLACEHOLDER_ALIASES[alias];
}

/** Whether `text` uses one of `names` (StepLens's or SPARK's spelling). */
export function usesPlaceholder(text: string, names: readonly Placeholder[]): boolean {
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    const name = m[1] ?? sparkAlias(m[2]);
    if (name && (names as readonly string[]).includes(name)) return true;
  }
  return false;
}

/** Fills the placeholders of `text` in one pass. */
export function fill(text: string, values: Record<Placeholder, string>): string {
  // One pass, so placeholder-like text inside the problem or steps is never expanded.
  return text.replace(PLACEHOLDER_RE, (m, name: string | undefined, alias: string | undefined) => {
    const key = name ?? sparkAlias(alias);
    return key !== undefined && key in values ? values[key as Placeholder] : m;
  });
}
