/**
 * launch.sh for OpenRLHF (checked against OpenRLHF v0.11.0, see CHECKED_AGAINST):
 * `openrlhf.cli.train_ppo_ray` with GRPO (`--algo.advantage.estimator group_norm`), SPARK's
 * settings, and the reward from the StepLens server's OpenRLHF route (`--reward.remote_url
 * $STEPLENS_REWARD_URL/get_reward`). Colocated (`--train.colocate_all`) with DeepSpeed and vLLM both
 * sleeping between phases (`--ds.enable_sleep --vllm.enable_sleep`, paired as upstream's examples
 * do). Single node: the trainer starts its own Ray; multi-node: a Ray head, workers, `ray job
 * submit`. No `vscode` import here.
 */
import type { RlRunSpec } from "./rlRunSpec";
import { num, rayMultiNode, shellHeader } from "./shellScript";

export function openrlhfArgs(spec: RlRunSpec): string[] {
  const data = spec.dataFiles[0] ?? "prompts.jsonl";
  return [
    '--actor.model_name_or_path "$MODEL"',
    '--reward.remote_url "$STEPLENS_REWARD_URL/get_reward"',
    `--data.prompt_dataset ${data}`,
    "--data.input_key prompt",
    "--data.label_key label",
    "--data.apply_chat_template",
    `--data.max_len ${spec.maxPromptLength + spec.maxResponseLength}`,
    `--rollout.max_new_tokens ${spec.maxResponseLength}`,
    `--rollout.n_samples_per_prompt ${spec.rollouts}`,
    `--rollout.batch_size ${spec.batchSize}`,
    `--train.batch_size ${spec.batchSize * spec.rollouts}`,
    "--algo.advantage.estimator group_norm",
    `--actor.adam.lr ${num(spec.learningRate)}`,
    "--algo.kl.use_loss",
    `--algo.kl.init_coef ${num(spec.klCoef)}`,
    "--algo.kl.estimator k3",
    "--actor.entropy_coef 0",
    '--actor.num_nodes "$NNODES"',
    '--actor.num_gpus_per_node "$GPUS_PER_NODE"',
    '--ref.num_nodes "$NNODES"',
    '--ref.num_gpus_per_node "$GPUS_PER_NODE"',
    '--vllm.num_engines "$VLLM_ENGINES"',
    `--vllm.tensor_parallel_size ${spec.tensorParallel}`,
    `--vllm.gpu_memory_utilization ${spec.gpuMemoryUtilization}`,
    "--train.colocate_all",
    "--ds.enable_sleep",
    "--vllm.enable_sleep",
    "--ds.zero_stage 3",
    "--ds.param_dtype bf16",
    "--actor.gradient_checkpointing_enable",
    "--train.max_epochs 1",
    `--train.num_episodes ${spec.epochs}`,
    "--ckpt.output_dir checkpoints",
    "--ckpt.save_steps 50",
  ];
}

export function openrlhfLaunchSh(spec: RlRunSpec): string {
  return `${shellHeader("RL with the StepLens reward server on OpenRLHF (GRPO = group_norm, SPARK's settings)", spec)}VLLM_ENGINES="\${VLLM_ENGINES:-$(( NNODES * GPUS_PER_NODE / ${spec.tensorParallel} ))}"

TRAIN_ARGS=(
${openrlhfArgs(spec)
  .map((a) => `  ${a}`)
  .join("\n")}
)

if [ "$NNODES" -le 1 ] || [ "\${STEPLENS_IN_RAY_JOB:-0}" = "1" ]; then
  run python3 -m openrlhf.cli.train_ppo_ray "\${TRAIN_ARGS[@]}"
else
${rayMultiNode('python3 -m openrlhf.cli.train_ppo_ray "${TRAIN_ARGS[@]}"')}
fi
`;
}
