/**
 * POST /v1/chat/completions: a conversation in (the engine applies the model's chat template),
 * `n` assistant messages out. Logprobs (first generated token) when the engine reports them.
 */
import { randomUUID } from "node:crypto";
import { CancelledError } from "../../core/errors";
import type { Generation } from "../../engines/engine";
import { GENERATION_ROLES, resolveRole } from "../servedModels";
import { requireLogprobs } from "../logprobsProvider";
import { tokenBytes, type NextTokenLogprobs } from "../nextTokenLogprobs";
import { parseChatLogprobs, parseMessages, parseSampling } from "../requestParams";
import { unixSeconds, type RouteContext } from "../routeContext";

export async function chatCompletionsRoute(ctx: RouteContext): Promise<unknown> {
  const { body, engine, signal } = ctx;
  const role = resolveRole(body.model, ctx.served, GENERATION_ROLES);
  const messages = parseMessages(body.messages);
  const sampling = parseSampling(body, true);
  const topK = parseChatLogprobs(body);
  const logprobsOf = topK !== undefined ? requireLogprobs(engine, "logprobs") : undefined;

  const { gens, answers, promptTokens } = await ctx.queue.run(
    ctx.lane,
    async () => {
      const gens = await engine.generate({ role, prompt: messages, ...sampling }, { signal });
      // Cut short (client gone or server stopping): no partial answer passed off as complete.
      if (gens.some((g) => g.finishReason === "cancelled")) throw new CancelledError();
      // Each generation beside its own logprobs (undefined when not asked for).
      const answers: { gen: Generation; logprobs: NextTokenLogprobs | undefined }[] = logprobsOf
        ? await Promise.all(
            gens.map(async (gen) => ({ gen, logprobs: await logprobsOf({ role, prompt: messages, topK: topK!, continuation: gen.text }, { signal }) })),
          )
        : gens.map((gen) => ({ gen, logprobs: undefined }));
      // Message text only: the chat template's own tokens are not counted.
      const promptTokens = await engine.countTokens(messages.map((m) => m.content).join("\n"), role, { signal });
      return { gens, answers, promptTokens };
    },
    signal,
  );

  const completionTokens = gens.reduce((t, g) => t + g.tokens, 0);
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: unixSeconds(),
    model: ctx.served.find((m) => m.roles.includes(role))?.id ?? role,
    choices: answers.map(({ gen: g, logprobs }, i) => ({
      index: i,
      message: { role: "assistant", content: g.text, refusal: null },
      logprobs: logprobs ? chatLogprobs(logprobs) : null,
      finish_reason: g.finishReason === "length" ? "length" : "stop",
    })),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function chatLogprobs(lp: NextTokenLogprobs): { content: unknown[]; refusal: null } {
  if (!lp.chosen) return { content: [], refusal: null };
  return {
    content: [
      {
        token: lp.chosen.token,
        logprob: lp.chosen.logprob,
        bytes: tokenBytes(lp.chosen.token),
        top_logprobs: lp.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: tokenBytes(t.token) })),
      },
    ],
    refusal: null,
  };
}
