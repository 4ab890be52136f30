/**
 * POST /v1/score: `{problem, steps, threshold?, cacheKey?}` → every step's P(correct) and logit
 * margin from the PRM role's model and adapter, in one queued engine call, plus the first step
 * below the threshold (-1 when none). The StepLens OpenAI engine's `remote` adapter calls this.
 */
import { badParam } from "../apiError";
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

export async function scoreRoute(ctx: RouteContext): Promise<ScoreResponse> {
  const { body } = ctx;
  resolveRole(body.model, ctx.served, SCORING_ROLES); // validates `model` when given; scoring uses the PRM role
  const problem = body.problem ?? "";
  if (typeof problem !== "string") throw badParam("problem", "'problem' must be a string.", "invalid_type");
  const steps = body.steps;
  if (!Array.isArray(steps) || steps.length === 0 || steps.some((s) => typeof s !== "string")) {
    throw badParam("steps", "'steps' must be a non-empty array of strings.", steps === undefined ? "missing_required_parameter" : "invalid_type");
  }
  if (steps.length > MAX_SCORE_STEPS) throw badParam("steps", `'steps' takes at most ${MAX_SCORE_STEPS} steps.`);
  const threshold = body.threshold ?? ctx.threshold;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) throw badParam("threshold", "'threshold' must be a number between 0 and 1.");
  const cacheKey = body.cacheKey;
  if (cacheKey !== undefined && typeof cacheKey !== "string") throw badParam("cacheKey", "'cacheKey' must be a string.", "invalid_type");

  const r = await ctx.queue.run(
    ctx.lane,
    () => ctx.engine.scoreSteps({ problem, steps: steps as string[], ...(cacheKey ? { cacheKey } : {}) }, { signal: ctx.signal }),
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
