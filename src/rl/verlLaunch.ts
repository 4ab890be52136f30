/**
 * launch.sh for verl: `python3 -m verl.trainer.main_ppo` with GRPO and SPARK's settings; the reward
 * is reward.py's `compute_score` under the naive reward manager of verl's reward loop.
 * - Default: the `reward.*` keys, which verl has from 0.7.1 on (0.7.0 rejects them). Composed by
 *   verl's own Hydra config and called by its reward loop in test/python for 0.7.1 and 0.9.1.
 * - VERL_LEGACY_REWARD=1: the same manager and function under the legacy top-level keys
 *   (`reward_model.reward_manager=naive`, `custom_reward_function.*`), for verl 0.7.0, whose config
 *   has only those; 0.7.1–0.8.0 migrate them to `reward.*`; 0.9 ignores them (its main_ppo no
 *   longer migrates), so launch.sh refuses the legacy mode there. SPARK's batch manager
 *   (`compute_score_batch`) is not registered in any reward loop (0.7.0–0.9.1: "Unknown reward
 *   manager: batch"), so neither mode uses it.
 * Multi-node through Ray. No `vscode` import here.
 */
import type { RlRunSpec } from "./rlRunSpec";
import { num, rayMultiNode, shellHeader } from "./shellScript";

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

/** Reward keys: verl ≥ 0.7.1 (`reward.*`) and the legacy top-level ones (verl 0.7.0; the same naive manager). */
export const VERL_REWARD_KEYS = [
  "reward.reward_manager.name=naive",
  "reward.custom_reward_function.path=reward.py",
  "reward.custom_reward_function.name=compute_score",
];
export const VERL_LEGACY_REWARD_KEYS = [
  "reward_model.reward_manager=naive",
  "custom_reward_function.path=reward.py",
  "custom_reward_function.name=compute_score",
];

/** The verl versions each reward mode was run with (test/python/test_verl_config.py). */
export const VERL_REWARD_VERSIONS = { current: "0.7.1–0.9.1", legacy: "0.7.0–0.8.0" } as const;

export function verlLaunchSh(spec: RlRunSpec): string {
  // "$VAR" values in double quotes; Hydra lists ([…]) in single quotes so bash never globs them.
  const line = (s: string) => `  ${s.includes("$") ? `"${s.replace(/"/g, "")}"` : /[[\]*?]/.test(s) ? `'${s}'` : s}`;
  return `${shellHeader("RL with the StepLens reward server on verl (GRPO, SPARK's settings)", spec)}
TRAIN_ARGS=(
${verlOverrides(spec).map(line).join("\n")}
)
if [ "\${VERL_LEGACY_REWARD:-0}" = "1" ]; then
  # verl 0.9 ignores the legacy keys (its main_ppo no longer migrates them): refuse rather than
  # train with verl's default scorer. The version is read isolated from this folder (python3 -I).
  VERL_VERSION="$(cd / && python3 -I -c 'import importlib.metadata as m; print(m.version("verl"))' 2>/dev/null || true)"
  case "$VERL_VERSION" in
    0.[0-8].*) ;;
    "") echo "launch.sh: VERL_LEGACY_REWARD=1: verl is not installed here; the legacy keys work with verl ${VERL_REWARD_VERSIONS.legacy}." >&2 ;;
    *) echo "launch.sh: VERL_LEGACY_REWARD=1 is for verl ${VERL_REWARD_VERSIONS.legacy}; verl $VERL_VERSION ignores the legacy reward keys. Run without it." >&2; exit 2 ;;
  esac
  TRAIN_ARGS+=(
${VERL_LEGACY_REWARD_KEYS.map((k) => `  ${line(k)}`).join("\n")}
  )
else
  TRAIN_ARGS+=(
${VERL_REWARD_KEYS.map((k) => `  ${line(k)}`).join("\n")}
  )
fi

if [ "$NNODES" -le 1 ]; then
  run python3 -m verl.trainer.main_ppo "\${TRAIN_ARGS[@]}"
else
${rayMultiNode('python3 -m verl.trainer.main_ppo "${TRAIN_ARGS[@]}"')}
fi
`;
}
