/**
 * POST /v1/reward — StepLens's own reward route (the generated reward.py calls it):
 * `{"items": [{"prompt", "response", "reference"?, "trainer_step"?}], "scalarize"?, "trainer_step"?}` →
 * `{"object": "steplens.reward", "scalarize", "source", "items": [per item exactly what `steplens reward
 * --json` prints]}`. Items queue one by one on the client's lane. `trainer_step` (the trainer's global
 * step) only goes to the reward log (`--reward-log`), with each item's rollout. `"dense": true` adds
 * to every item `"dense": [{"step", "start", "end", "reward"}]`: each step's reward with its span in
 * the response (code points, end exclusive; src/rewards/denseRewards.ts), for per-token rewards.
 */
import { CONFIG_ENUMS, type RewardScalarize } from "../../config";
import { checkRewardOptions, scoreReward, type RewardItem, type RewardOptions } from "../../rewards/rewardScorer";
import { denseStepRewards } from "../../rewards/denseRewards";
import { rewardJson } from "../../rewards/rewardJson";
import { ApiError, badParam } from "../apiError";
import { demoField } from "../demoLabel";
import type { RouteContext } from "../routeContext";
import { MAX_REWARD_ITEMS, readTrainerStep, tooManyItems } from "./getReward";

function readItems(body: Record<string, unknown>): (RewardItem & { trainerStep?: number | null })[] {
  const items = body.items;
  if (!Array.isArray(items))
    throw badParam(
      "items",
      '\'items\' must be an array of {"prompt", "response", "reference"?}.',
      items === undefined ? "missing_required_parameter" : "invalid_type",
    );
  if (items.length > MAX_REWARD_ITEMS) throw tooManyItems(items.length);
  return items.map((it, i) => {
    if (typeof it !== "object" || it === null || Array.isArray(it))
      throw badParam(`items[${i}]`, `items[${i}] must be an object {"prompt", "response", "reference"?}.`, "invalid_type");
    const o = it as Record<string, unknown>;
    const prompt = o.prompt ?? "";
    if (typeof prompt !== "string") throw badParam(`items[${i}].prompt`, `items[${i}].prompt must be a string.`, "invalid_type");
    if (typeof o.response !== "string")
      throw badParam(
        `items[${i}].response`,
        `items[${i}].response must be a string.`,
        o.response === undefined ? "missing_required_parameter" : "invalid_type",
      );
    const reference = o.reference ?? null;
    if (reference !== null && typeof reference !== "string") throw badParam(`items[${i}].reference`, `items[${i}].reference must be a string.`, "invalid_type");
    const trainerStep = o.trainer_step === undefined ? undefined : readTrainerStep(o.trainer_step, `items[${i}].trainer_step`);
    return { prompt, response: o.response, reference, ...(trainerStep !== undefined ? { trainerStep } : {}) };
  });
}

export async function rewardRoute(ctx: RouteContext): Promise<unknown> {
  const items = readItems(ctx.body);
  const trainerStep = readTrainerStep(ctx.body.trainer_step, "trainer_step");
  let opts: RewardOptions = ctx.rewards;
  const mode = ctx.body.scalarize;
  if (mode !== undefined && mode !== null) {
    const allowed = CONFIG_ENUMS["rewards.scalarize"]!;
    if (typeof mode !== "string" || !allowed.includes(mode)) throw badParam("scalarize", `'scalarize' must be one of ${allowed.join(", ")}.`, "invalid_value");
    opts = { ...opts, scalarize: mode as RewardScalarize };
    try {
      checkRewardOptions(opts);
    } catch (e) {
      throw new ApiError(400, (e as Error).message, "invalid_request_error", "scalarize", "scalarize_unavailable");
    }
  }
  const dense = ctx.body.dense ?? false;
  if (typeof dense !== "boolean") throw badParam("dense", "'dense' must be true or false.", "invalid_type");
  const schedule = <T>(task: () => Promise<T>) => ctx.queue.run(ctx.lane, task, ctx.signal);
  const details = await Promise.all(items.map((item) => scoreReward(ctx.engine, item, opts, { signal: ctx.signal, schedule })));
  ctx.logRewards?.(
    details.map((detail, i) => {
      const { trainerStep: own, ...item } = items[i]!;
      return { client: ctx.lane, route: "/v1/reward", item, detail, trainerStep: own !== undefined ? own : trainerStep };
    }),
  );
  const demo = demoField(ctx.engine, opts.source === "prm" ? "prm" : "verifier");
  return {
    object: "steplens.reward",
    scalarize: details[0]?.scalarize ?? opts.scalarize,
    source: opts.source,
    ...demo,
    items: details.map((d, i) => ({
      ...rewardJson(undefined, d),
      ...demo,
      ...(dense ? { dense: denseStepRewards(items[i]!.response, opts.gate, d) } : {}),
    })),
  };
}
