/**
 * launch.sh and train_grpo.py for TRL (TRL 1.16 trains them in the suite, see CHECKED_AGAINST): GRPOTrainer
 * with reward.py's `reward_func(prompts, completions, **kwargs)` calling the StepLens server, SPARK's
 * settings (16 generations, lr 1e-6, beta 0.001: TRL's KL term is the k3 estimator), started with
 * `accelerate launch` on one or several machines, or on the CPU for a smoke run. train_grpo.py is
 * src/rl/python/train_grpo.py with the run's values in its settings block. No `vscode` import here.
 */
import trainGrpoSource from "./python/train_grpo.py";
import { fillPythonSettings } from "./pythonSettings";
import type { RlRunSpec } from "./rlRunSpec";
import { shellHeader } from "./shellScript";

export function trlLaunchSh(spec: RlRunSpec): string {
  const cpu = spec.device === "cpu";
  const accelerate = `accelerate launch${cpu ? " --cpu" : ""} --mixed_precision ${cpu ? "no" : "bf16"} --dynamo_backend no`;
  return `${shellHeader("RL with the StepLens reward server on TRL (GRPOTrainer, SPARK's settings)", spec)}MAIN_PORT="\${MAIN_PORT:-29500}"
export MODEL

if [ "$NNODES" -le 1 ]; then
  run ${accelerate} --num_machines 1 --num_processes "$GPUS_PER_NODE" train_grpo.py
else
  run ${accelerate} --num_machines "$NNODES" --num_processes "$(( NNODES * GPUS_PER_NODE ))" --machine_rank "$NODE_RANK" --main_process_ip "$HEAD_ADDR" --main_process_port "$MAIN_PORT" train_grpo.py
fi
`;
}

export function trlTrainPy(spec: RlRunSpec): string {
  return fillPythonSettings(
    trainGrpoSource,
    {
      MODEL: spec.model,
      DATA_FILE: spec.dataFiles[0] ?? "prompts.jsonl",
      DEVICE: spec.device ?? "gpu",
      LEARNING_RATE: spec.learningRate,
      NUM_GENERATIONS: spec.rollouts,
      BETA: spec.klCoef,
      MAX_PROMPT_LENGTH: spec.maxPromptLength,
      MAX_COMPLETION_LENGTH: spec.maxResponseLength,
      PER_DEVICE_TRAIN_BATCH_SIZE: spec.perDeviceBatch ?? spec.rollouts,
      GRADIENT_ACCUMULATION_STEPS: spec.gradientAccumulation ?? 1,
      NUM_TRAIN_EPOCHS: spec.epochs,
      MAX_STEPS: spec.maxSteps ?? -1,
      SAVE_STEPS: 50,
    },
    "train_grpo.py",
  );
}
