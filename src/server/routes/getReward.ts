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
import { ApiError, badParam } from "../apiError";
import { trainerStepOf } from "../../rewards/rewardLog";
import { demoField } from "../demoLabel";
import type { RouteContext } from "../routeContext";

/** Most items in one reward request; more is refused with 413 (split the batch). */
export const MAX_REWARD_ITEMS = 1024;

export function tooManyItems(n: number): ApiError {
  return new ApiError(
    413,
    `The request holds ${n} items; the server takes at most ${MAX_REWARD_ITEMS} per request. Split the batch.`,
    "invalid_request_error",
    null,
    "batch_too_large",
  );
}

/** The trainer's step sent with the request (`trainer_step`, logged with each rollout; an item's own overrides it). */
export function readTrainerStep(value: unknown, param: string): number | null {
  const step = trainerStepOf(value);
  if (step === "invalid") throw badParam(param, `'${param}' must be a non-negative integer (the trainer's global step).`, "invalid_type");
  return step;
}

function stringArray(body: Record<string, unknown>, name: string, required: boolean): string[] | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw badParam(name, `'${name}' is required: an array of strings.`, "missing_required_parameter");
    return undefined;
  }
  if (!Array.isArray(v) || v.some((q) => typeof q !== "string")) throw badParam(name, `'${name}' must be an array of strings.`, "invalid_type");
  return v as string[];
}

export async function getRewardRoute(ctx: RouteContext): Promise<unknown> {
  const query = stringArray(ctx.body, "query", true)!;
  if (query.length > MAX_REWARD_ITEMS) throw tooManyItems(query.length);
  const prompts = stringArray(ctx.body, "prompts", false) ?? [];
  if (prompts.length && prompts.length !== query.length)
    throw badParam("prompts", `'prompts' must have one entry per query (${query.length}), got ${prompts.length}.`, "invalid_value");
  const labels = ctx.body.labels;
  if (labels !== undefined && labels !== null && !Array.isArray(labels)) throw badParam("labels", "'labels' must be an array.", "invalid_type");

  const trainerStep = readTrainerStep(ctx.body.trainer_step, "trainer_step");
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
