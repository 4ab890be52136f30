/**
 * Dense per-step rewards for verl (`steplens rl init --engine verl --dense`): the run folder gets
 * steplens_dense_reward.py (src/rl/python/, embedded as text), a reward manager for verl's reward
 * loop that asks the reward server for every step's reward with its span ("dense": true on
 * /v1/reward) and puts each on the token where its step ends; launch.sh loads it by path through
 * verl's `reward.reward_manager.source=importlib` (loading the file also registers it as
 * "steplens_dense" in verl's reward-manager registry). The scalar path (naive manager +
 * reward.py's compute_score) stays the default. TRL and OpenRLHF take one scalar per completion,
 * so `--dense` is refused there (use a scalarisation: steps, pav, min, …).
 * No `vscode` import here.
 */
import denseManagerSource from "./python/steplens_dense_reward.py";

export const VERL_DENSE_MANAGER_FILE = "steplens_dense_reward.py";
export const VERL_DENSE_MANAGER_CLASS = "StepLensDenseRewardManager";
/** The name the file registers in verl's reward-manager registry. */
export const VERL_DENSE_REGISTRY_NAME = "steplens_dense";

/** The manager's source, as the run folder gets it (no run settings: reward.py holds them). */
export function verlDenseManagerPy(): string {
  return denseManagerSource;
}

/** verl ≥ 0.7.1 reward keys of a dense run (instead of the naive manager's). */
export const VERL_DENSE_REWARD_KEYS = [
  "reward.reward_manager.source=importlib",
  `reward.reward_manager.name=${VERL_DENSE_MANAGER_CLASS}`,
  `reward.reward_manager.module.path=$RUN_DIR/${VERL_DENSE_MANAGER_FILE}`,
];

/** Why `--dense` is refused for an engine that takes one scalar per completion. */
export function denseUnsupported(engine: string): string | null {
  if (engine === "verl") return null;
  return `--dense is for verl: ${engine === "trl" ? "TRL's GRPOTrainer" : "OpenRLHF's remote reward"} takes one scalar per completion. Use a scalarisation instead (--scalarize steps | pav | min | product | hybrid | outcome; see docs/rewards-rl.md).`;
}
