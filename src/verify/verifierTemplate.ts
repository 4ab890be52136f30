/**
 * What a verifier prompt template is: its output format, how it shows the steps, its messages and
 * few-shot examples; and what a prompt is rendered from. The built-ins are in
 * src/verify/builtinTemplates.ts, template files are read by src/verify/templateFile.ts, prompts are
 * rendered by src/verify/templates.ts. No `vscode` import.
 */
import type { VerdictFormat } from "./verification";

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
