/** POST /tokenize (vLLM's route, at the server root): `{prompt}` → `{count}` for a role's model. */
import { badParam } from "../apiError";
import { GENERATION_ROLES, resolveRole } from "../servedModels";
import type { RouteContext } from "../routeContext";

export async function tokenizeRoute(ctx: RouteContext): Promise<{ count: number }> {
  const role = resolveRole(ctx.body.model, ctx.served, GENERATION_ROLES);
  const prompt = ctx.body.prompt;
  if (typeof prompt !== "string") throw badParam("prompt", "'prompt' must be a string.", prompt === undefined ? "missing_required_parameter" : "invalid_type");
  return { count: await ctx.engine.countTokens(prompt, role, { signal: ctx.signal }) };
}
