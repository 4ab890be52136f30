/**
 * POST /get_reward — OpenRLHF's remote reward protocol (`--reward.remote_url http://host:port/get_reward`):
 * `{"query": [...], "prompts": [...], "labels": [...]}` → `{"rewards": [...], "scores": [...],
 * "extra_logs": {...}}`. Each query is split into the problem and the response (src/rewards/
 * openRlhfQuery.ts), then rewarded exactly as `steplens reward` does (format gate, judge,
 * scalarisation), each item queued on the client's lane. `labels` are accepted and not used: the
 * reward is reference-free (SPARK); send references through /v1/reward. An optional `trainer_step`
 * (OpenRLHF does not send one) goes to the reward log with each rollout. `extra_logs` holds only
 * numbers, one per item (OpenRLHF turns every value into a tensor): `gate_passed`, one
 * `gate_<code>` flag per gate rule and `gate_too_long` (a rollout too long for the judge's context:
 * gated on its own, the rest of the batch served), `outcome` (-1 when gated), `step_count`,
 * `reward_seconds`. A generated random-weight judge adds `"demo": "demo: scores are meaningless"`.
 */
import { splitOpenRlhfQuery } from "../../rewards/openRlhfQuery";
import { REWARD_REASON_CODES, scoreReward } from "../../rewards/rewardScorer";
import * as v from "valibot";
import { checkedWhole, coded, jsonObject } from "../../core/schemaIssue";
import { badParam } from "../apiError";
import { TrainerStepSchema } from "../../rewards/rewardLog";
import { BATCH_TOO_LARGE, parseRequest, typeOrMissing, wrongType } from "../requestSchema";
import { demoField } from "../demoLabel";
import type { RouteContext } from "../routeContext";

/** Most items in one reward request; more is refused with 413 (split the batch). */
export const MAX_REWARD_ITEMS = 1024;

function tooManyItemsMessage(n: number): string {
  return `The request holds ${n} items; the server takes at most ${MAX_REWARD_ITEMS} per request. Split the batch.`;
}

/** At most MAX_REWARD_ITEMS items: more is a 413 (parseRequest answers BATCH_TOO_LARGE so). */
export const withinItemLimit = <T>() =>
  v.maxLength<T[], number, (issue: v.BaseIssue<unknown>) => string>(
    MAX_REWARD_ITEMS,
    coded(BATCH_TOO_LARGE, (issue) => tooManyItemsMessage((issue.input as unknown[]).length)),
  );

/** The trainer's step sent with the request (`trainer_step`, logged with each rollout; an item's own overrides it). */
export const TrainerStepParam = v.message(TrainerStepSchema, wrongType("'$field' must be a non-negative integer (the trainer's global step)."));

const StringList = v.array(v.string());
const QuerySchema = jsonObject(
  {
    query: v.pipe(
      checkedWhole(
        StringList,
        typeOrMissing((issue) => (issue.input == null ? "'$field' is required: an array of strings." : "'$field' must be an array of strings."), true),
      ),
      withinItemLimit<string>(),
    ),
    prompts: v.nullish(checkedWhole(StringList, wrongType("'$field' must be an array of strings."))),
  },
  "",
);
const RestSchema = jsonObject(
  {
    labels: v.nullish(v.array(v.unknown(), wrongType("'$field' must be an array."))),
    trainer_step: TrainerStepParam,
  },
  "",
);

export async function getRewardRoute(ctx: RouteContext): Promise<unknown> {
  const { query, prompts: given } = parseRequest(QuerySchema, ctx.body);
  const prompts = given ?? [];
  if (prompts.length && prompts.length !== query.length)
    throw badParam("prompts", `'prompts' must have one entry per query (${query.length}), got ${prompts.length}.`, "invalid_value");
  const trainerStep = parseRequest(RestSchema, ctx.body).trainer_step ?? null;
  const schedule = <T>(task: () => Promise<T>) => ctx.queue.run(ctx.lane, task, ctx.signal);
  const items = query.map((q, i) => {
    const { problem, response } = splitOpenRlhfQuery(q, prompts[i] ?? "");
    return { prompt: problem, response };
  });
  const details = await Promise.all(items.map((item) => scoreReward(ctx.engine, item, ctx.rewards, { signal: ctx.signal, schedule })));
  ctx.logRewards?.(details.map((detail, i) => ({ client: ctx.lane, route: "/get_reward", item: items[i]!, detail, trainerStep })));
  const rewards = details.map((d) => d.reward);
  const extra: Record<string, number[]> = {
    gate_passed: details.map((d) => (d.gate.passed ? 1 : 0)),
    outcome: details.map((d) => d.outcome ?? -1),
    step_count: details.map((d) => d.stepCount),
    reward_seconds: details.map((d) => Number(d.seconds.toFixed(4))),
  };
  for (const code of REWARD_REASON_CODES) extra[`gate_${code.replace(/-/g, "_")}`] = details.map((d) => (d.gate.reasons.includes(code) ? 1 : 0));
  // The demo label beside the numbers (extra_logs holds numbers only: OpenRLHF makes tensors of them).
  return { rewards, scores: rewards, extra_logs: extra, ...demoField(ctx.engine, ctx.rewards.source === "prm" ? "prm" : "verifier") };
}
