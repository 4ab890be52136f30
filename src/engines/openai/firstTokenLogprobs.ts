/**
 * Reading next-token probabilities from an OpenAI-compatible response: the top logprobs of the
 * first generated token (chat: `logprobs.content[0].top_logprobs`; completions:
 * `logprobs.top_logprobs[0]`), and the probability of chosen candidate strings among them.
 * No `vscode` import here.
 */
import { StepLensError } from "../../core/errors";
import type { TokenProbabilities } from "../engine";

export interface TokenLogprob {
  token: string;
  logprob: number;
}

interface ChatLike {
  choices?: Array<{ logprobs?: { content?: Array<{ token: string; logprob: number; top_logprobs?: TokenLogprob[] }> | null } | null }>;
}
interface CompletionLike {
  choices?: Array<{ logprobs?: { tokens?: string[]; token_logprobs?: number[]; top_logprobs?: Array<Record<string, number>> | null } | null }>;
}

/** Top logprobs of the first generated token of a chat completion, best first; undefined when absent. */
export function firstTokenFromChat(resp: ChatLike): TokenLogprob[] | undefined {
  const first = resp.choices?.[0]?.logprobs?.content?.[0];
  if (!first) return undefined;
  const top = first.top_logprobs?.length ? first.top_logprobs : [{ token: first.token, logprob: first.logprob }];
  return sortTop(top.map((t) => ({ token: t.token, logprob: t.logprob })));
}

/** Top logprobs of the first generated token of a (legacy) completion, best first; undefined when absent. */
export function firstTokenFromCompletion(resp: CompletionLike): TokenLogprob[] | undefined {
  const lp = resp.choices?.[0]?.logprobs;
  const top = lp?.top_logprobs?.[0];
  if (top && Object.keys(top).length) return sortTop(Object.entries(top).map(([token, logprob]) => ({ token, logprob })));
  const token = lp?.tokens?.[0];
  const logprob = lp?.token_logprobs?.[0];
  if (token !== undefined && typeof logprob === "number") return [{ token, logprob }];
  return undefined;
}

function sortTop(top: TokenLogprob[]): TokenLogprob[] {
  return top.filter((t) => typeof t.token === "string" && typeof t.logprob === "number").sort((a, b) => b.logprob - a.logprob);
}

export interface CandidateLogprobs extends TokenProbabilities {
  /** Candidates that appeared among the top tokens (others have logprob -Infinity). */
  found: string[];
  /** The lowest logprob among the top tokens: an upper bound for any candidate not among them. */
  floor: number;
}

/**
 * Each candidate's log-probability as the first token: the sum of the probabilities of the top
 * tokens that equal it once surrounding whitespace is trimmed (so "Yes" and " Yes" both count).
 * A candidate absent from the top tokens gets -Infinity. `normalized` renormalises over the
 * candidates; it throws when none of them is among the top tokens.
 */
export function candidateLogprobs(top: readonly TokenLogprob[], candidates: readonly string[], context: string): CandidateLogprobs {
  if (!top.length)
    throw new StepLensError(`${context}: the endpoint returned no logprobs.`, {
      hint: "Use an endpoint that supports logprobs and top_logprobs (vLLM, llama.cpp server, OpenAI chat models, `steplens serve`).",
    });
  const logprobs: Record<string, number> = {};
  const found: string[] = [];
  for (const c of candidates) {
    const want = c.trim();
    let sum = 0;
    for (const t of top) if (t.token.trim() === want && want !== "") sum += Math.exp(t.logprob);
    logprobs[c] = sum > 0 ? Math.log(sum) : -Infinity;
    if (sum > 0) found.push(c);
  }
  if (!found.length) {
    const shown = top
      .slice(0, 5)
      .map((t) => JSON.stringify(t.token))
      .join(", ");
    throw new StepLensError(
      `${context}: none of ${candidates.map((c) => JSON.stringify(c)).join(", ")} is among the ${top.length} most likely first tokens (top: ${shown}).`,
      {
        code: "candidates-missing",
        hint: "The model does not answer in the expected form: use an instruct model, or check that its chat template is applied.",
      },
    );
  }
  // Every candidate was given a logprob above (Math.exp(undefined) was NaN as well).
  const total = found.reduce((s, c) => s + Math.exp(logprobs[c] ?? Number.NaN), 0);
  const normalized: Record<string, number> = {};
  for (const c of candidates) {
    const logprob = logprobs[c];
    normalized[c] = typeof logprob === "number" && Number.isFinite(logprob) ? Math.exp(logprob) / total : 0;
  }
  const floor = Math.min(...top.map((t) => t.logprob));
  return { logprobs, normalized, found, floor };
}
