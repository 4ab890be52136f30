/**
 * POST /get_reward in OpenRLHF's remote reward-model shape: `{query, prompts, labels}` →
 * `{rewards, scores, extra_logs}`. Minimal on purpose (reward shaping proper is a later issue):
 * the response is `query` minus its `prompt` prefix, split into steps at blank lines, scored by
 * the PRM; the reward is the lowest step score (a trace is as good as its worst step). `labels`
 * are accepted and not used.
 */
import { badParam } from "../apiError";
import type { RouteContext } from "../routeContext";

export const MAX_REWARD_BATCH = 256;

/** The response part of an OpenRLHF query, cut into steps at blank lines. */
export function responseSteps(query: string, prompt: string): string[] {
  const response = prompt && query.startsWith(prompt) ? query.slice(prompt.length) : query;
  return response
    .split(/\n[ \t]*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export async function getRewardRoute(ctx: RouteContext): Promise<unknown> {
  const { query, prompts } = ctx.body as { query?: unknown; prompts?: unknown };
  if (!Array.isArray(query) || query.some((q) => typeof q !== "string")) throw badParam("query", "'query' must be an array of strings.", "invalid_type");
  if (query.length > MAX_REWARD_BATCH) throw badParam("query", `'query' takes at most ${MAX_REWARD_BATCH} items.`);
  const promptList = prompts ?? [];
  if (!Array.isArray(promptList) || promptList.some((p) => typeof p !== "string") || (promptList.length && promptList.length !== query.length)) {
    throw badParam("prompts", "'prompts' must be an array of strings, one per query.", "invalid_type");
  }
  const results = await Promise.all(
    (query as string[]).map(async (q, i) => {
      const prompt = (promptList as string[])[i] ?? "";
      const steps = responseSteps(q, prompt);
      if (!steps.length) return { reward: 0, steps: 0 };
      const r = await ctx.queue.run(ctx.lane, () => ctx.engine.scoreSteps({ problem: prompt, steps }, { signal: ctx.signal }), ctx.signal);
      return { reward: Math.min(...r.steps.map((s) => s.score)), steps: steps.length };
    }),
  );
  const rewards = results.map((r) => r.reward);
  return { rewards, scores: rewards, extra_logs: { prm_steps: results.map((r) => r.steps) } };
}
