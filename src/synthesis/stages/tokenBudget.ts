/**
 * Context sizing, where the engines say their context (local models): the token limit of a
 * problem's generations (the user's --max-tokens, lowered so that a solution fits the verifier's
 * context with its verification prompt and an answer, and fits the generator's), and the token
 * limit of a solution's verifications, or why none fits. Engines that do not say their context get
 * the user's limits unchanged. No `vscode` import.
 */
import { StepLensError } from "../../core/errors";
import type { ChatMessage, Engine } from "../../engines/engine";
import { constrainedTokenBudget } from "../../verify/constrainedSchema";
import { renderPrompt, type VerifierTemplate } from "../../verify/templates";
import { DEFAULT_MAX_TOKENS as VERIFY_MAX_TOKENS } from "../../verify/verifyPipeline";
import { generatorPrompt } from "../generatorPrompt";
import type { Problem } from "../problems";
import type { SolutionRecord } from "../records";

/** Generations shorter than this are not worth sizing for: the verifier's context is left as it is. */
export const MIN_GENERATION_TOKENS = 64;
/** Free-text verifications need at least this room to say anything. */
export const MIN_VERIFICATION_TOKENS = 16;
/** Slack for the prompt's token count (the constrained instructions name the fitted critique length). */
export const PROMPT_MARGIN_TOKENS = 8;
/** Share of the room a solution may take (the rest: the "Step k:" markup the verifier's prompt adds). */
export const STEP_MARKUP_SHARE = 0.85;

/** Errors that say a solution's verification prompt does not fit the verifier: recorded once per solution. */
export const UNVERIFIABLE_CODES = new Set(["context-too-small", "too-long", "verdicts-do-not-fit"]);

/** Tokens kept in the verifier's context for the verification's answer when sizing generations. */
export function answerReserve(contextSize: number, maxTokens: number | undefined): number {
  return Math.min(maxTokens ?? VERIFY_MAX_TOKENS, Math.max(256, Math.floor(contextSize / 4)));
}

export interface TokenBudgetInputs {
  generator: Engine;
  verifier: Engine;
  template: VerifierTemplate;
  /** --max-tokens. */
  maxTokens: number | undefined;
  /** Constrained verifications: the longest critique per step; null for free text. */
  constrainedChars: number | null;
  signal?: AbortSignal;
}

export type VerificationBudget = { maxTokens: number | undefined } | { unverifiable: string };

export class TokenBudget {
  /** The lowest generation limit sized below --max-tokens so far (null: none was). */
  generationLimit: number | null = null;
  // Verifier-prompt tokens per generated token, at least 1/STEP_MARKUP_SHARE (the "Step k:" markup),
  // raised to the largest seen: a model whose text tokenizes longer than it was generated gets shorter solutions.
  private markupRatio = 1 / STEP_MARKUP_SHARE;
  private readonly verifierContext: number | undefined;
  private readonly generatorContext: number | undefined;
  private readonly countVerifier: ((pr: ChatMessage[]) => Promise<number>) | null;
  private readonly countGenerator: ((pr: ChatMessage[]) => Promise<number>) | null;

  constructor(private readonly i: TokenBudgetInputs) {
    const { generator, verifier, signal } = i;
    this.verifierContext = verifier.info().contextSize;
    this.generatorContext = generator.info().contextSize;
    this.countVerifier = verifier.promptTokenCount ? (pr: ChatMessage[]) => verifier.promptTokenCount!(pr, "verifier", { signal }) : null;
    this.countGenerator = generator.promptTokenCount ? (pr: ChatMessage[]) => generator.promptTokenCount!(pr, "generator", { signal }) : null;
  }

  private verifierPrompt(p: Problem, steps: string[]): ChatMessage[] {
    const chars = this.i.constrainedChars;
    return renderPrompt(
      this.i.template,
      { problem: p.problem, steps, reference: p.reference },
      { constrained: chars === null ? false : { maxCritiqueChars: chars } },
    );
  }

  /** The token limit of a problem's generations: the user's, lowered so that a solution fits the verifier (and the generator). */
  async generationTokens(p: Problem): Promise<number | undefined> {
    const { maxTokens } = this.i;
    let limit = maxTokens ?? Number.POSITIVE_INFINITY;
    if (this.verifierContext && this.countVerifier) {
      const around = await this.countVerifier(this.verifierPrompt(p, [""]));
      const room = this.verifierContext - around - answerReserve(this.verifierContext, maxTokens);
      const fit = Math.floor(room / this.markupRatio);
      if (fit >= MIN_GENERATION_TOKENS) limit = Math.min(limit, fit);
    }
    if (this.generatorContext && this.countGenerator) {
      const fit = this.generatorContext - (await this.countGenerator(generatorPrompt(p.problem))) - 1;
      if (fit >= 1) limit = Math.min(limit, fit);
    }
    if (!Number.isFinite(limit)) return maxTokens;
    if (limit !== maxTokens) this.generationLimit = Math.min(this.generationLimit ?? limit, limit);
    return limit;
  }

  /** The token limit of a solution's verifications, or why none fits the verifier's context. */
  async verificationTokens(p: Problem, sol: SolutionRecord): Promise<VerificationBudget> {
    const { maxTokens, template, constrainedChars: chars } = this.i;
    // Constrained verdicts take what their schema needs (--max-tokens limits the solutions); free text takes --max-tokens.
    const wanted = chars === null ? maxTokens : constrainedTokenBudget(template.format, sol.steps.length, chars);
    if (!this.verifierContext || !this.countVerifier) return { maxTokens: wanted };
    let tokens: number;
    try {
      tokens = await this.countVerifier(this.verifierPrompt(p, sol.steps));
      if (sol.tokens >= MIN_GENERATION_TOKENS)
        this.markupRatio = Math.max(this.markupRatio, (tokens - (await this.countVerifier(this.verifierPrompt(p, [""])))) / sol.tokens);
    } catch (e) {
      if (e instanceof StepLensError && UNVERIFIABLE_CODES.has(e.details.code ?? "")) return { unverifiable: e.message };
      throw e;
    }
    const room = this.verifierContext - tokens - PROMPT_MARGIN_TOKENS;
    const need = chars === null ? MIN_VERIFICATION_TOKENS : constrainedTokenBudget(template.format, sol.steps.length, 0);
    if (room < need)
      return {
        unverifiable: `its verification prompt is ${tokens} tokens and the answer needs at least ${need}: over the verifier's context of ${this.verifierContext} tokens (raise --context-size)`,
      };
    return { maxTokens: Math.min(wanted ?? VERIFY_MAX_TOKENS, room) };
  }
}
