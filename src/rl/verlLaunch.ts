/**
 * launch.sh for verl: `python3 -m verl.trainer.main_ppo` with GRPO and SPARK's settings; the reward
 * is reward.py's `compute_score` under the naive reward manager of verl's reward loop, set with the
 * `reward.*` keys verl has from 0.7.1 on. Composed by verl's own Hydra config and called by its
 * reward loop in test/python for 0.7.1 and 0.9.1 (VERL_REWARD_VERSIONS). launch.sh refuses verl
 * 0.7.0 and older (no `reward.*` block) with the fix, instead of a Hydra error. The legacy mode
 * (VERL_LEGACY_REWARD=1: SPARK's batch manager under the legacy keys) is gone: no verl reward loop
 * registers a batch manager (0.7.0–0.8.0: "Unknown reward manager: batch"), 0.9 ignores the legacy
 * keys, and verl 0.7.0 — the one version that needed them — cannot be installed beside the
 * tested stack (numpy < 2, transformers 4 API), so it could not be run. Multi-node through Ray.
 * No `vscode` import here.
 */
import type { RlRunSpec } from "./rlRunSpec";
import { num, rayMultiNode, shellHeader } from "./shellScript";
import { VERL_DENSE_REWARD_KEYS } from "./verlDense";

/** The main_ppo overrides (key=value), in the order they appear in launch.sh. */
export function verlOverrides(spec: RlRunSpec): string[] {
  const train = spec.dataFiles.find((f) => f.startsWith("train")) ?? spec.dataFiles[0] ?? "train.parquet";
  const val = spec.dataFiles.find((f) => f.startsWith("test")) ?? train;
  return [
    "algorithm.adv_estimator=grpo",
    `data.train_files=${train}`,
    `data.val_files=${val}`,
    "data.prompt_key=prompt",
    `data.train_batch_size=${spec.batchSize}`,
    `data.max_prompt_length=${spec.maxPromptLength}`,
    `data.max_response_length=${spec.maxResponseLength}`,
    "data.filter_overlong_prompts=True",
    "data.truncation=error",
    'actor_rollout_ref.model.path="$MODEL"',
    "actor_rollout_ref.model.use_remove_padding=True",
    "actor_rollout_ref.model.enable_gradient_checkpointing=True",
    `actor_rollout_ref.actor.optim.lr=${num(spec.learningRate)}`,
    `actor_rollout_ref.actor.ppo_mini_batch_size=${spec.batchSize}`,
    "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=16",
    "actor_rollout_ref.actor.use_kl_loss=True",
    `actor_rollout_ref.actor.kl_loss_coef=${num(spec.klCoef)}`,
    "actor_rollout_ref.actor.kl_loss_type=low_var_kl",
    "actor_rollout_ref.actor.entropy_coeff=0",
    "actor_rollout_ref.rollout.name=vllm",
    `actor_rollout_ref.rollout.n=${spec.rollouts}`,
    `actor_rollout_ref.rollout.tensor_model_parallel_size=${spec.tensorParallel}`,
    `actor_rollout_ref.rollout.gpu_memory_utilization=${spec.gpuMemoryUtilization}`,
    "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=16",
    "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=16",
    "actor_rollout_ref.ref.fsdp_config.param_offload=True",
    "algorithm.use_kl_in_reward=False",
    "trainer.critic_warmup=0",
    "trainer.logger=[console]",
    "trainer.project_name=steplens-rl",
    "trainer.experiment_name=spark-prm-reward",
    'trainer.nnodes="$NNODES"',
    'trainer.n_gpus_per_node="$GPUS_PER_NODE"',
    "trainer.save_freq=50",
    "trainer.test_freq=-1",
    "trainer.val_before_train=False",
    `trainer.total_epochs=${spec.epochs}`,
    "trainer.default_local_dir=checkpoints",
  ];
}

/** Reward keys: the `reward.*` block (verl ≥ 0.7.1), the naive manager and reward.py's compute_score. */
export const VERL_REWARD_KEYS = [
  "reward.reward_manager.name=naive",
  "reward.custom_reward_function.path=reward.py",
  "reward.custom_reward_function.name=compute_score",
];

/** The verl versions launch.sh was run with (test/python/test_verl.py): composed, reward-called, entry point up to the GPU check. */
export const VERL_REWARD_VERSIONS = { current: "0.7.1–0.9.1" } as const;

export function verlLaunchSh(spec: RlRunSpec): string {
  // "$VAR" values in double quotes; Hydra lists ([…]) in single quotes so bash never globs them.
  const line = (s: string) => `  ${s.includes("$") ? `"${s.replace(/"/g, "")}"` : /[[\]*?]/.test(s) ? `'${s}'` : s}`;
  return `${shellHeader("RL with the StepLens reward server on verl (GRPO, SPARK's settings)", spec)}
TRAIN_ARGS=(
${verlOverrides(spec).map(line).join("\n")}
)
if [ "\${VERL_LEGACY_REWARD:-0}" = "1" ]; then
  echo "launch.sh: VERL_LEGACY_REWARD is no longer supported: no verl reward loop has SPARK's batch manager. Unset it; this run uses the naive manager (verl ${VERL_REWARD_VERSIONS.current})." >&2
  exit 2
fi
if [ "\${DRY_RUN:-0}" != "1" ]; then
  # verl 0.7.0 and older have no reward.* block: say so instead of a Hydra error. Read from another
  # directory, so nothing in this folder is imported.
  VERL_VERSION="$(cd / && python3 -c 'import importlib.metadata as m; print(m.version("verl"))' 2>/dev/null || true)"
  case "$VERL_VERSION" in
    0.[0-6].*|0.7.0|0.7.0.*)
      echo "launch.sh: verl $VERL_VERSION has no reward.* config (verl 0.7.1 added it); this run needs verl ${VERL_REWARD_VERSIONS.current}: pip install 'verl>=0.7.1'" >&2
      exit 2 ;;
  esac
fi
TRAIN_ARGS+=(
${(spec.dense ? VERL_DENSE_REWARD_KEYS : VERL_REWARD_KEYS).map(line).join("\n")}
)

if [ "$NNODES" -le 1 ] || [ "\${STEPLENS_IN_RAY_JOB:-0}" = "1" ]; then
  run python3 -m verl.trainer.main_ppo "\${TRAIN_ARGS[@]}"
else
${rayMultiNode('python3 -m verl.trainer.main_ppo "${TRAIN_ARGS[@]}"')}
fi
`;
}
