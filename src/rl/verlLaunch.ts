/**
 * launch.sh for verl (checked against verl v0.9.0, see CHECKED_AGAINST): `python3 -m
 * verl.trainer.main_ppo` with GRPO and SPARK's settings; the reward is reward.py's `compute_score`
 * under the naive reward manager (verl ≥ 0.7's reward loop; `reward.*` keys). VERL_LEGACY_REWARD=1
 * switches to the legacy keys and SPARK's batch manager (`reward_model.reward_manager=batch`,
 * `compute_score_batch`) for verl ≤ 0.7 with the legacy workers. Multi-node through Ray.
 * No `vscode` import here.
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

/** Reward keys: verl ≥ 0.7 (reward loop, naive manager) and the legacy ones (batch manager). */
export const VERL_REWARD_KEYS = [
  "reward.reward_manager.name=naive",
  "reward.custom_reward_function.path=reward.py",
  "reward.custom_reward_function.name=compute_score",
];
export const VERL_LEGACY_REWARD_KEYS = [
  "reward_model.reward_manager=batch",
  "custom_reward_function.path=reward.py",
  "custom_reward_function.name=compute_score_batch",
];

export function verlLaunchSh(spec: RlRunSpec): string {
  // "$VAR" values in double quotes; Hydra lists ([…]) in single quotes so bash never globs them.
  const line = (s: string) => `  ${s.includes("$") ? `"${s.replace(/"/g, "")}"` : /[[\]*?]/.test(s) ? `'${s}'` : s}`;
  return `${shellHeader("RL with the StepLens reward server on verl (GRPO, SPARK's settings)", spec)}
TRAIN_ARGS=(
${verlOverrides(spec).map(line).join("\n")}
)
if [ "\${VERL_LEGACY_REWARD:-0}" = "1" ]; then
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
