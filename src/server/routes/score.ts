/**
 * POST /v1/score: `{problem, steps, threshold?, cacheKey?}` → every step's P(correct) and logit
 * margin from the PRM role's model and adapter, in one queued engine call, plus the first step
 * below the threshold (-1 when none). The StepLens OpenAI engine's `remote` adapter calls this.
 */
import * as v from "valibot";
import { checkedWhole, jsonObject } from "../../core/schemaIssue";
import { parseRequest, typeOrMissing, wrongType } from "../requestSchema";
import { demoField } from "../demoLabel";
import { SCORING_ROLES, modelId, resolveRole } from "../servedModels";
import type { RouteContext } from "../routeContext";

export const MAX_SCORE_STEPS = 2000;

export interface ScoreResponse {
  object: "steplens.score";
  model: string;
  adapter: string;
  steps: Array<{ index: number; score: number; margin: number }>;
  firstError: number;
  threshold: number;
  evaluatedTokens: number;
  traceTokens: number;
  seconds: number;
  /** Present when the PRM is a generated random-weight model: "demo: scores are meaningless". */
  demo?: string;
}

const stepsMessage = typeOrMissing("'$field' must be a non-empty array of strings.");
const thresholdMessage = "'$field' must be a number between 0 and 1.";
/** The body, checked in this order (the first failure answers). */
const ScoreBodySchema = jsonObject(
  {
    problem: v.nullish(v.string(wrongType("'$field' must be a string.")), ""),
    steps: v.pipe(
      checkedWhole(v.pipe(v.array(v.string()), v.minLength(1)), stepsMessage),
      v.maxLength(MAX_SCORE_STEPS, `'$field' takes at most ${MAX_SCORE_STEPS} steps.`),
    ),
    threshold: v.nullish(v.pipe(v.number(thresholdMessage), v.minValue(0, thresholdMessage), v.maxValue(1, thresholdMessage))),
    cacheKey: v.optional(v.string(wrongType("'$field' must be a string."))),
  },
  "",
);

export async function scoreRoute(ctx: RouteContext): Promise<ScoreResponse> {
  const { body } = ctx;
  resolveRole(body.model, ctx.served, SCORING_ROLES); // validates `model` when given; scoring uses the PRM role
  const { problem, steps, threshold: given, cacheKey } = parseRequest(ScoreBodySchema, body);
  const threshold = given ?? ctx.threshold;

  const r = await ctx.queue.run(
    ctx.lane,
    () => ctx.engine.scoreSteps({ problem, steps, ...(cacheKey ? { cacheKey } : {}) }, { signal: ctx.signal }),
    ctx.signal,
  );
  return {
    object: "steplens.score",
    // The served name (as /v1/models lists it), never the model's file path on this machine.
    model: ctx.served.find((m) => m.roles.includes("prm"))?.id ?? modelId(r.model),
    adapter: r.adapter,
    steps: r.steps.map((s) => ({ index: s.index, score: s.score, margin: s.margin })),
    firstError: r.steps.findIndex((s) => s.score < threshold),
    threshold,
    evaluatedTokens: r.evaluatedTokens,
    traceTokens: r.traceTokens,
    seconds: r.seconds,
    ...demoField(ctx.engine, "prm"),
  };
}
