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
import * as v from "valibot";
import { jsonObject } from "../../core/schemaIssue";
import { ApiError } from "../apiError";
import { demoField } from "../demoLabel";
import { parseRequest, typeOrMissing, wrongType } from "../requestSchema";
import type { RouteContext } from "../routeContext";
import { TrainerStepParam, withinItemLimit } from "./getReward";

const ItemSchema = jsonObject(
  {
    prompt: v.nullish(v.string(wrongType("$field must be a string.")), ""),
    response: v.string(typeOrMissing("$field must be a string.")),
    reference: v.nullish(v.string(wrongType("$field must be a string.")), null),
    trainer_step: TrainerStepParam,
  },
  wrongType('$field must be an object {"prompt", "response", "reference"?}.'),
);

/** The body, checked in this order (the first failure answers); `scalarize` is then checked against the server's judge. */
const RewardBodySchema = jsonObject(
  {
    items: v.pipe(
      v.array(v.unknown(), typeOrMissing('\'$field\' must be an array of {"prompt", "response", "reference"?}.')),
      withinItemLimit<unknown>(),
      v.array(ItemSchema),
    ),
    trainer_step: TrainerStepParam,
    scalarize: v.nullish(v.picklist(CONFIG_ENUMS["rewards.scalarize"]!, `'$field' must be one of ${CONFIG_ENUMS["rewards.scalarize"]!.join(", ")}.`)),
    dense: v.nullish(v.boolean(wrongType("'$field' must be true or false.")), false),
  },
  "",
);

export async function rewardRoute(ctx: RouteContext): Promise<unknown> {
  const body = parseRequest(RewardBodySchema, ctx.body);
  const items: (RewardItem & { trainerStep?: number | null })[] = body.items.map(({ prompt, response, reference, trainer_step }) => ({
    prompt,
    response,
    reference,
    ...(trainer_step !== undefined ? { trainerStep: trainer_step } : {}),
  }));
  const trainerStep = body.trainer_step ?? null;
  let opts: RewardOptions = ctx.rewards;
  const mode = body.scalarize;
  if (mode != null) {
    opts = { ...opts, scalarize: mode as RewardScalarize };
    try {
      checkRewardOptions(opts);
    } catch (e) {
      throw new ApiError(400, (e as Error).message, "invalid_request_error", "scalarize", "scalarize_unavailable");
    }
  }
  const dense = body.dense ?? false;
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
