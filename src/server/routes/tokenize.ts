/** POST /tokenize (vLLM's route, at the server root): `{prompt}` → `{count}` for a role's model. */
import * as v from "valibot";
import { jsonObject } from "../../core/schemaIssue";
import { parseRequest, typeOrMissing } from "../requestSchema";
import { GENERATION_ROLES, resolveRole } from "../servedModels";
import type { RouteContext } from "../routeContext";

const TokenizeBodySchema = jsonObject({ prompt: v.string(typeOrMissing("'$field' must be a string.")) }, "");

export async function tokenizeRoute(ctx: RouteContext): Promise<{ count: number }> {
  const role = resolveRole(ctx.body.model, ctx.served, GENERATION_ROLES);
  const { prompt } = parseRequest(TokenizeBodySchema, ctx.body);
  return { count: await ctx.engine.countTokens(prompt, role, { signal: ctx.signal }) };
}
