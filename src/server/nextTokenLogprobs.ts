/**
 * Logprobs for `/v1/completions` (`logprobs: k`) and `/v1/chat/completions` (`logprobs: true,
 * top_logprobs: k`). The Engine interface reports probabilities of chosen candidates only, so
 * top-k next-token distributions are an optional engine capability, detected at run time: an
 * engine with `nextTokenLogprobs` gets logprobs served; without it the server answers 400 naming
 * the reason. Logprobs cover the FIRST generated token (what judges read: `max_tokens: 1`).
 * No `vscode` import here.
 */
import type { RunOptions } from "../core/progress";
import type { Engine, ModelRole, Prompt } from "../engines/engine";

export interface TokenLogprob {
  token: string;
  logprob: number;
}

export interface NextTokenLogprobsRequest {
  role: ModelRole;
  /** Raw text, or a conversation (the engine applies the chat template and generation prompt). */
  prompt: Prompt;
  /** How many of the most likely next tokens to return (0: none, only `chosen`). */
  topK: number;
  /** Generated text whose first token should be reported in `chosen` (with its log-probability). */
  continuation?: string;
}

export interface NextTokenLogprobs {
  /** The `topK` most likely next tokens, best first, log-probabilities over the full vocabulary. */
  top: TokenLogprob[];
  /** The first token of `continuation` and its log-probability (absent when continuation is empty). */
  chosen?: TokenLogprob;
}

/** Optional capability: an Engine that can report the next-token distribution after a prompt. */
export interface NextTokenLogprobsCapable {
  nextTokenLogprobs(req: NextTokenLogprobsRequest, opts?: RunOptions): Promise<NextTokenLogprobs>;
}

export function supportsNextTokenLogprobs(engine: Engine): engine is Engine & NextTokenLogprobsCapable {
  return typeof (engine as Partial<NextTokenLogprobsCapable>).nextTokenLogprobs === "function";
}

/** UTF-8 bytes of a token, as OpenAI's `bytes` field. */
export function tokenBytes(token: string): number[] {
  return [...Buffer.from(token, "utf8")];
}
