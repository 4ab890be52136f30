/**
 * POST /v1/completions: text in, `n` samples out, per prompt (prompt may be a list). Each prompt
 * is one queued engine call. Logprobs (first generated token) when the engine reports them.
 */
import { randomUUID } from "node:crypto";
import { CancelledError } from "../../core/errors";
import type { Generation } from "../../engines/engine";
import { GENERATION_ROLES, resolveRole } from "../servedModels";
import { requireLogprobs } from "../logprobsProvider";
import type { NextTokenLogprobs } from "../nextTokenLogprobs";
import { parseCompletionLogprobs, parsePrompts, parseSampling } from "../requestParams";
import { unixSeconds, type RouteContext } from "../routeContext";

export async function completionsRoute(ctx: RouteContext): Promise<unknown> {
  const { body, engine, signal } = ctx;
  const role = resolveRole(body.model, ctx.served, GENERATION_ROLES);
  const prompts = parsePrompts(body.prompt);
  const sampling = parseSampling(body, false);
  const topK = parseCompletionLogprobs(body);
  const logprobsOf = topK !== undefined ? requireLogprobs(engine, "logprobs") : undefined;

  const perPrompt = await Promise.all(
    prompts.map((prompt) =>
      ctx.queue.run(
        ctx.lane,
        async () => {
          const gens = await engine.generate({ role, prompt, ...sampling }, { signal });
          // Cut short (client gone or server stopping): no partial answer passed off as complete.
          if (gens.some((g) => g.finishReason === "cancelled")) throw new CancelledError();
          // Each generation beside its own logprobs (undefined when not asked for).
          const answers: { gen: Generation; logprobs: NextTokenLogprobs | undefined }[] = logprobsOf
            ? await Promise.all(
                gens.map(async (gen) => ({ gen, logprobs: await logprobsOf({ role, prompt, topK: topK!, continuation: gen.text }, { signal }) })),
              )
            : gens.map((gen) => ({ gen, logprobs: undefined }));
          const promptTokens = await engine.countTokens(prompt, role, { signal });
          return { gens, answers, promptTokens };
        },
        signal,
      ),
    ),
  );

  const choices = perPrompt.flatMap((p, i) =>
    p.answers.map(({ gen: g, logprobs }, j) => ({
      index: i * sampling.n + j,
      text: g.text,
      logprobs: logprobs ? completionLogprobs(logprobs) : null,
      finish_reason: g.finishReason === "length" ? "length" : "stop",
    })),
  );
  const promptTokens = perPrompt.reduce((s, p) => s + p.promptTokens, 0);
  const completionTokens = perPrompt.reduce((s, p) => s + p.gens.reduce((t, g) => t + g.tokens, 0), 0);
  return {
    id: `cmpl-${randomUUID()}`,
    object: "text_completion",
    created: unixSeconds(),
    model: ctx.served.find((m) => m.roles.includes(role))?.id ?? role,
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** Legacy completions logprobs: parallel arrays, one entry per reported position (the first token). */
function completionLogprobs(lp: NextTokenLogprobs): {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
} {
  if (!lp.chosen) return { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  const top: Record<string, number> = {};
  for (const t of lp.top) if (!(t.token in top)) top[t.token] = t.logprob;
  return { tokens: [lp.chosen.token], token_logprobs: [lp.chosen.logprob], top_logprobs: [top], text_offset: [0] };
}
