/**
 * GET /health: liveness and load, without authentication and without paths or model names (safe
 * to expose to a load balancer).
 */
import type { RouteContext } from "../routeContext";

export async function healthRoute(ctx: RouteContext): Promise<unknown> {
  return {
    status: "ok",
    engine: ctx.engine.info().kind,
    active: ctx.queue.active,
    waiting: ctx.queue.waiting,
    waitingRequests: ctx.queue.waitingRequests,
    concurrency: ctx.queue.concurrency,
    queueDepth: ctx.queue.active + ctx.queue.waiting,
    requestsPerSecond: Number(ctx.requestsPerSecond().toFixed(2)),
    requests: ctx.requestsTotal(),
    rewards: { source: ctx.rewards.source, scalarize: ctx.rewards.scalarize, gatePreset: ctx.rewards.gatePreset ?? "spark" },
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
  };
}
