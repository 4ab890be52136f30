/**
 * How large the reward server's queue and connection cap must be for one RL run, from the run's
 * own sizes and each engine's traffic shape (read in the engines' code, exercised in test/python):
 * - OpenRLHF (0.11): every rollout of a step posts its own /get_reward request (one item), each in
 *   its own HTTP connection, as soon as its generation ends: up to rollout batch × samples per
 *   prompt requests at once. Its client retries 5 × 1 s and then drops the reward, so the server
 *   must admit the whole burst: `--max-waiting` ≥ the burst, `--max-connections` above it.
 * - verl (0.7.1–0.9.1): the reward loop runs `reward.num_workers` workers (8), each calling
 *   compute_score in its event loop's default thread pool (at most 32 threads): at most 256
 *   one-item /v1/reward requests at once, whatever the batch.
 * - TRL: each training process asks for its completions in requests of up to 64, one at a time.
 * The README's serve command carries these flags. No `vscode` import here.
 */
import type { RlRunSpec } from "./rlRunSpec";

/** Connections kept free beyond the burst (health checks, a second client, a slow close). */
export const CONNECTION_HEADROOM = 64;
/** verl's reward loop: workers (`reward.num_workers`) × the default thread pool's largest size. */
export const VERL_REWARD_CONCURRENCY = 8 * 32;

export interface RewardServerSizing {
  /** Reward requests one trainer can have in flight at once. */
  burst: number;
  /** Why, in words (for the README). */
  because: string;
  maxWaiting: number;
  maxConnections: number;
}

export function rewardServerSizing(spec: Pick<RlRunSpec, "engine" | "batchSize" | "rollouts" | "nodes" | "gpusPerNode">): RewardServerSizing {
  let burst: number;
  let because: string;
  if (spec.engine === "openrlhf") {
    burst = spec.batchSize * spec.rollouts;
    because = `OpenRLHF posts one /get_reward request per rollout, each in its own connection, as generations finish: up to ${spec.batchSize} prompts × ${spec.rollouts} samples = ${burst} at once, and it drops a reward after 5 refused tries`;
  } else if (spec.engine === "verl") {
    burst = VERL_REWARD_CONCURRENCY;
    because = `verl's reward loop calls compute_score from 8 workers × at most 32 threads: up to ${burst} one-rollout requests at once`;
  } else {
    burst = spec.nodes * spec.gpusPerNode;
    because = `each of the ${burst} training process(es) sends one request of up to 64 completions at a time`;
  }
  // The server's own default (256) stays the floor: it never shrinks a queue.
  const maxWaiting = Math.max(256, burst);
  return { burst, because, maxWaiting, maxConnections: Math.max(256, burst + CONNECTION_HEADROOM) };
}

/** The `steplens serve` flags that size the queue for the run. */
export function sizingFlags(s: RewardServerSizing): string {
  return `--max-waiting ${s.maxWaiting} --max-connections ${s.maxConnections}`;
}
