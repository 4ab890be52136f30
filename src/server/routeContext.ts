/** What a route handler gets: the engine, the parsed body, the client's lane and cancellation. */
import type { Engine } from "../engines/engine";
import type { RewardLogEntry } from "../rewards/rewardLog";
import type { RewardOptions } from "../rewards/rewardScorer";
import type { FairQueue } from "./fairQueue";
import type { ServedModel } from "./servedModels";

export interface RouteContext {
  engine: Engine;
  /** The JSON body (an empty object for GET). */
  body: Record<string, unknown>;
  /** Aborted when the client disconnects or the server shuts down. */
  signal: AbortSignal;
  /** Fair-queue lane of this client. */
  lane: string;
  queue: FairQueue;
  /** Models on offer now (from the engine's info). */
  served: ServedModel[];
  /** Default step threshold for /v1/score. */
  threshold: number;
  /** Server start time (ms since epoch). */
  startedAt: number;
  /** How /get_reward and /v1/reward turn a rollout into a reward (gate, judge, scalarisation). */
  rewards: RewardOptions;
  /** Writes rewarded rollouts to the reward log (`--reward-log`); absent when there is none. */
  logRewards?: (entries: RewardLogEntry[]) => void;
  /** Answered requests per second (sliding window) and in all. */
  requestsPerSecond: () => number;
  requestsTotal: () => number;
}

/** A route answers a JSON value (status 200) or throws an ApiError. */
export type RouteHandler = (ctx: RouteContext) => Promise<unknown>;

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
