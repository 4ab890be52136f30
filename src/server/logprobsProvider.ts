/**
 * Where the server's logprobs come from: the engine's own `nextTokenLogprobs` when it has one, else
 * (for the LocalEngine) the implementation below. Next-token logprobs on the local engine, for the server's `logprobs` / `top_logprobs`: the
 * prompt (chat template applied as the local engine does for generation) is held on one of the
 * model's sequences (reusing what the sequence already holds), its last token is evaluated with
 * only the top-k logits, the chosen token's logit and the total logit weight requested — never a
 * full probability map — and logprob = logit − max logit − log(total weight).
 *
 * It uses the LocalEngine's public pieces (role(), promptTokens(), adapterContext(), the role's
 * sequence pool). An engine with its own `nextTokenLogprobs` method is preferred (see
 * nextTokenLogprobs.ts). No `vscode` import; node-llama-cpp is reached through the engine.
 */
import type { Token } from "node-llama-cpp";
import { StepLensError, throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine } from "../engines/engine";
import { LocalEngine } from "../engines/local/localEngine";
import { PrefixCache } from "../engines/local/prefixCache";
import { nextTokenAfter } from "../engines/prm/tokens";
import { ApiError } from "./apiError";
import { supportsNextTokenLogprobs, type NextTokenLogprobs, type NextTokenLogprobsRequest } from "./nextTokenLogprobs";

/** How many top tokens are searched for the one the generated text starts with. */
const MATCH_TOP = 20;

export type NextTokenLogprobsFn = (req: NextTokenLogprobsRequest, opts?: RunOptions) => Promise<NextTokenLogprobs>;

/** How this engine reports next-token logprobs, or undefined when it cannot. */
export function nextTokenLogprobsProvider(engine: Engine): NextTokenLogprobsFn | undefined {
  if (supportsNextTokenLogprobs(engine)) return (req, opts) => engine.nextTokenLogprobs(req, opts);
  if (engine instanceof LocalEngine) return (req, opts) => localNextTokenLogprobs(engine, req, opts);
  return undefined;
}

/** The provider, or a 400 naming the parameter when the engine cannot report logprobs. */
export function requireLogprobs(engine: Engine, param: string): NextTokenLogprobsFn {
  const fn = nextTokenLogprobsProvider(engine);
  if (fn) return fn;
  throw new ApiError(
    400,
    `'${param}' is not available: the server's engine (${engine.info().kind}) does not report next-token distributions.`,
    "invalid_request_error",
    param,
    "unsupported_parameter",
  );
}

export async function localNextTokenLogprobs(engine: LocalEngine, req: NextTokenLogprobsRequest, opts: RunOptions = {}): Promise<NextTokenLogprobs> {
  throwIfAborted(opts.signal);
  const loaded = await engine.role(req.role, opts);
  const { model, pool } = loaded;
  const { tokens, text } = engine.promptTokens(model, req.prompt, false);
  const last = tokens.at(-1);
  if (last === undefined) throw new StepLensError("The prompt is empty: next-token logprobs need at least one token.");
  if (tokens.length > pool.contextSize) {
    throw new StepLensError(`The prompt needs ${tokens.length} tokens but the context holds ${pool.contextSize}.`, {
      hint: "Shorten it, or restart the server with a larger --context-size.",
    });
  }
  // Fallback for the chosen token: the first token the generated text adds after the prompt.
  const retokenized: Token | undefined = req.continuation
    ? nextTokenAfter(engine.adapterContext(model, {}, true), text, req.continuation, "generated")
    : undefined;
  const head = tokens.slice(0, -1);
  // At least the top 20: the top token normalises, and the chosen token is looked for among them.
  const searched = Math.max(MATCH_TOP, req.topK);

  const next = await pool.use(
    async ([sequence]) => {
      // Hold exactly `head` (reusing what the sequence has), then evaluate the last prompt token.
      await sequence.adaptStateToTokens(head, false);
      if (sequence.nextTokenIndex > head.length) await sequence.eraseContextTokenRanges([{ start: head.length, end: sequence.nextTokenIndex }]);
      throwIfAborted(opts.signal);
      const missing = head.slice(sequence.nextTokenIndex);
      if (missing.length) await sequence.evaluateWithoutGeneratingNewTokens(missing);
      throwIfAborted(opts.signal);
      const out = await sequence.controlledEvaluate([
        [
          last,
          { generateNext: { logits: { filter: { tokens: retokenized !== undefined ? [retokenized] : [], includeTop: searched } }, totalLogitWeight: true } },
        ],
      ]);
      return out[0]?.next;
    },
    { signal: opts.signal, prefer: (s) => PrefixCache.reusable(s, tokens) },
  );
  const logits = next?.logits;
  if (!logits || !logits.size || next.totalLogitWeight === undefined) throw new Error("the model returned no logits for the next token");
  const maxLogit = Math.max(...logits.values());
  const logTotal = Math.log(next.totalLogitWeight);
  const logprob = (l: number) => l - maxLogit - logTotal;
  const piece = (t: Token) => model.detokenize([t], false);
  const ranked = [...logits.entries()].sort((a, b) => b[1] - a[1]).map(([t, l]) => ({ id: t, token: piece(t), logprob: logprob(l) }));
  const top = ranked.slice(0, req.topK).map(({ token, logprob }) => ({ token, logprob }));
  if (!req.continuation) return { top };
  // Generation does not report which token it sampled: take the longest of the top tokens the
  // generated text starts with (re-tokenizing the text can split it differently from how it was
  // generated), else the first token of the re-tokenized text.
  const prefixes = ranked.filter((r) => r.token !== "" && req.continuation!.startsWith(r.token));
  const longest = prefixes.reduce<(typeof ranked)[number] | undefined>((best, r) => (!best || r.token.length > best.token.length ? r : best), undefined);
  const fallbackLogit = retokenized !== undefined ? logits.get(retokenized) : undefined;
  const chosen = longest
    ? { token: longest.token, logprob: longest.logprob }
    : retokenized !== undefined && fallbackLogit !== undefined
      ? { token: piece(retokenized), logprob: logprob(fallbackLogit) }
      : undefined;
  return chosen ? { top, chosen } : { top };
}
