/** GET /v1/models: one entry per distinct model, with the roles it fills. */
import type { RouteContext } from "../routeContext";

export async function modelsRoute(ctx: RouteContext): Promise<unknown> {
  const created = Math.floor(ctx.startedAt / 1000);
  return {
    object: "list",
    data: ctx.served.map((m) => ({ id: m.id, object: "model", created, owned_by: "steplens", roles: m.roles })),
  };
}
