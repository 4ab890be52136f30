/**
 * The `reward.py` of an RL run folder: src/rl/python/reward_client.py (Python standard library
 * only, so it imports wherever the trainer runs) with the run's server URL and scalarisation
 * written into its settings block. It asks the StepLens reward server (POST /v1/reward) for the
 * reward of each rollout, with timeouts, retries with backoff, per-item refusals isolated, and one
 * clear error when the server cannot be reached. Entry points:
 * - verl, naive reward manager: `compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> float`
 * - verl, batch reward manager: `compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs) -> list[float]`
 * - TRL GRPOTrainer: `reward_func(prompts, completions, **kwargs) -> list[float]`
 * OpenRLHF calls the server's /get_reward itself (`--reward.remote_url`), no Python needed.
 * No `vscode` import here.
 */
import rewardClientSource from "./python/reward_client.py";
import { fillPythonSettings } from "./pythonSettings";

export interface RewardClientOptions {
  /** Base URL of the reward server (e.g. http://127.0.0.1:8080); STEPLENS_REWARD_URL overrides it. */
  rewardUrl: string;
  /** Scalarisation asked of the server per request; null: the server's default. */
  scalarize: string | null;
}

export function rewardClientPy(o: RewardClientOptions): string {
  return fillPythonSettings(rewardClientSource, { DEFAULT_URL: o.rewardUrl, SCALARIZE: o.scalarize }, "reward_client.py");
}
