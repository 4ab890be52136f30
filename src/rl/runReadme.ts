/**
 * README.md of an RL run folder: what each file is, every setting and where it comes from (SPARK's
 * stage III), how to start the reward server, how to check and launch, how to scale out, and which
 * engine version the settings were checked against. No `vscode` import here.
 */
import { DEFAULT_GATE_PRESET, GATE_PRESETS, type GatePreset } from "../rewards/gatePresets";
import { CHECKED_AGAINST, type RlRunSpec } from "./rlRunSpec";
import { num } from "./shellScript";
import { VERL_REWARD_VERSIONS } from "./verlLaunch";
import { rewardServerSizing, sizingFlags } from "./rewardServerSizing";

const ENGINE_NAMES = { verl: "verl", openrlhf: "OpenRLHF", trl: "TRL" } as const;

/** The TRL version the suite trains with (test/python/requirements.txt). */
export const TRL_TRAINED_VERSION = "1.16.0";

const GATE_PRESET_TEXT: Readonly<Record<GatePreset, string>> = {
  spark:
    "SPARK's three rules as the paper states them, all effective: exactly one `\\boxed{}`, exactly one `<answer>…</answer>`, nothing but white space after `</answer>`; the judge sees the rollout cut at the first `</answer>`.",
  "spark-code":
    "Exactly what SPARK's published reward function does (salman-lui/mixed_reward, run_scripts/math_gen_rm_reward_function.py): the rollout is cut at its last `</answer>` and stripped, then exactly one `\\boxed{…}` (SPARK's regular expressions) and one `<answer>…</answer>` are required of that cut — for comparisons with SPARK's runs.",
  strict:
    "`spark` plus StepLens's own rules: `step-count` (3–20 steps in the whole solution, steps inside `<answer>` included) and `second-solution` (no appended second solution).",
};

export function runReadme(spec: RlRunSpec, clamped: readonly string[] = []): string {
  const e = spec.engine;
  const checked =
    e === "trl"
      ? `TRL ${TRL_TRAINED_VERSION} (with transformers 5.10.4 and torch 2.15, CPU) trains a run folder written by \`steplens rl init --engine trl --cpu\` in StepLens's test suite: a tiny random-weight model, 2 prompts × 4 generations, 2 GRPO steps started by \`steplens rl launch\`, rewards from a running \`steplens serve\` through reward.py, every reward the trainer logged equal to the server's (test/python/test_trl_smoke.py). Multi-GPU and multi-node runs (accelerate) were not run there.`
      : `${CHECKED_AGAINST[e]} (${e === "verl" ? "test/python/test_verl.py, test_ray.py" : "test/python/test_openrlhf.py"}). Training itself needs GPUs and was not run there: ${e === "verl" ? "vLLM rollouts, FSDP updates and the reward loop under a real step's load" : "DeepSpeed, vLLM generation and Ray's placement of the actors"}.`;
  const sizing = rewardServerSizing(spec);
  const preset = (GATE_PRESETS as readonly string[]).includes(spec.gatePreset ?? "") ? (spec.gatePreset as GatePreset) : DEFAULT_GATE_PRESET;
  const clampedText = clamped.length
    ? `\n\n## Sizes changed so the run can run\n${clamped.map((c) => `- ${c}`).join("\n")}\n(\`steplens rl init\` said so on stderr.)`
    : "";
  const files: string[] = [
    "- `launch.sh`: the training command (bash arrays, one argument per line; `DRY_RUN=1 bash launch.sh` prints it).",
    "- `reward.py`: the reward client (Python standard library only) that asks the StepLens reward server for each rollout's reward.",
    "- `reward_check.py`: asks the server, through reward.py, for a formatted and a gated rollout and says whether the reward path works (`python3 reward_check.py` on any node; `steplens rl launch . --ray-address URL --reward-check` as a Ray job).",
    "- `steplens-rl.json`: these settings, read by `steplens rl launch`.",
  ];
  if (e === "verl")
    files.push(
      "- `train.parquet`: the prompts as verl RLHF rows (`prompt`, `data_source`, `reward_model`, `extra_info`); `problems.jsonl`: problem_id → problem text for reward.py.",
      "- `runtime_env.yaml`: Ray's runtime environment for multi-node jobs (the folder is the job's working directory).",
    );
  if (e === "openrlhf")
    files.push(
      '- `prompts.jsonl`: `{"prompt", "label"}` rows (`--data.input_key prompt --data.label_key label`, chat template applied by OpenRLHF).',
      "- `runtime_env.yaml`: Ray's runtime environment for multi-node jobs.",
    );
  if (e === "trl")
    files.push(
      "- `train_grpo.py`: GRPOTrainer with `reward_func` from reward.py.",
      '- `prompts.jsonl`: `{"prompt": [messages], "problem", "reference"}` rows (TRL passes `problem` and `reference` to the reward function).',
    );
  if (!spec.dataFiles.length)
    files.push(
      "- No prompt data yet: run `steplens rl init … --data prompts.jsonl` again (rows with `prompt`/`problem`/`question` and optional `reference`/`answer`).",
    );

  const settings = [
    `| algorithm | GRPO (${e === "verl" ? "`algorithm.adv_estimator=grpo`" : e === "openrlhf" ? "`--algo.advantage.estimator group_norm`" : "GRPOTrainer"}) | SPARK stage III |`,
    `| rollouts per prompt | ${spec.rollouts} (${e === "verl" ? "`actor_rollout_ref.rollout.n`" : e === "openrlhf" ? "`--rollout.n_samples_per_prompt`" : "`num_generations`"}) | SPARK |`,
    `| learning rate | ${num(spec.learningRate)} | SPARK |`,
    `| KL | ${num(spec.klCoef)}, as a loss, low-variance estimator (${e === "verl" ? "`kl_loss_type=low_var_kl`" : e === "openrlhf" ? "`--algo.kl.estimator k3`" : "TRL's `beta` uses k3"}) | SPARK |`,
    `| entropy bonus | 0 | SPARK |`,
    `| batch | ${spec.batchSize} prompts${e === "openrlhf" ? ` (train batch ${spec.batchSize * spec.rollouts} samples)` : ""} | SPARK |`,
    `| prompt / response tokens | ${spec.maxPromptLength} / ${spec.maxResponseLength} | SPARK |`,
    `| rollout tensor parallel, GPU memory | ${spec.tensorParallel}, ${spec.gpuMemoryUtilization} | SPARK |`,
    `| epochs | ${spec.epochs}${spec.maxSteps && spec.maxSteps > 0 ? ` (stops after ${spec.maxSteps} optimizer step(s): \`--max-steps\`)` : ""} | SPARK |`,
    ...(e === "trl"
      ? [
          `| micro-batch, gradient accumulation | ${spec.perDeviceBatch ?? spec.rollouts} completions per process, ${spec.gradientAccumulation ?? 1} (${spec.batchSize} prompts × ${spec.rollouts} per step) | StepLens |`,
        ]
      : []),
    ...(spec.device === "cpu" ? ["| device | CPU (`--cpu`: a smoke run; no bf16, no gradient checkpointing) | StepLens |"] : []),
    `| format gate | preset \`${preset}\` | ${preset === "strict" ? "StepLens" : "SPARK"} |`,
    `| reward | StepLens server at \`${spec.rewardUrl}\` (${e === "openrlhf" ? "`/get_reward`" : "`/v1/reward` through reward.py"}); scalarisation ${spec.scalarize ?? "the server's default"} | StepLens |`,
  ];

  const rewardNote =
    e === "verl"
      ? `verl computes rewards in its reward loop: \`reward.reward_manager.name=naive\` calls \`compute_score(data_source, solution_str, ground_truth, extra_info)\` per rollout, several at once; \`extra_info.problem\` holds the problem text reward.py sends to the server. These \`reward.*\` keys work with verl ${VERL_REWARD_VERSIONS.current} (0.7.0 has no \`reward.*\` block: launch.sh says so and stops). SPARK's own run used the batch manager (\`compute_score_batch\`), which no verl reward loop registers (0.7.0–0.9.1), so the naive manager runs instead: the same rewards, one rollout per call.`
      : e === "openrlhf"
        ? "OpenRLHF posts `{query, prompts, labels}` to `--reward.remote_url` (one rollout per request, the query decoded with special tokens) and reads `rewards`, `scores` and `extra_logs`. StepLens cuts the prompt off the query and drops chat-template tokens; labels are not used (the reward is reference-free, as in SPARK)."
        : "TRL calls `reward_func(prompts=…, completions=…, completion_ids=…, **dataset_columns, trainer_state=…)`; reward.py uses `problem` and `reference` from the dataset columns and the last message of conversational completions.";

  const scale =
    e === "trl"
      ? `Every machine runs \`launch.sh\` with the same \`NNODES\` and its own \`NODE_RANK\` (0 on the main one) and \`HEAD_ADDR\` (the main one's address): \`accelerate launch --num_machines $NNODES …\`.`
      : `Start the reward server where every node can reach it (\`steplens serve --host 0.0.0.0 --token … \`; set \`STEPLENS_SERVE_TOKEN\` on the nodes too), then on every node run \`NNODES=${Math.max(2, spec.nodes)} NODE_RANK=<0…> HEAD_ADDR=<head address> bash launch.sh\`. Rank 0 starts the Ray head (\`ray start --head\`), waits for every node, and submits the job (\`ray job submit … -- python3 -m ${e === "verl" ? "verl.trainer.main_ppo trainer.nnodes=N trainer.n_gpus_per_node=G …" : "openrlhf.cli.train_ppo_ray --actor.num_nodes N …"}\`); the others join it (\`ray start --address=<head>:<port> --block\`). On a Ray cluster that is already running, submit the run from here instead: \`NNODES=N steplens rl launch . --ray-address http://<head>:8265\` (this folder becomes the job's working directory, its logs stream here, Ctrl-C stops the job); \`--reward-check\` first runs reward_check.py there, to see that the cluster reaches the reward server. One reward server serves many trainers: requests queue fairly per client; add sequences (\`--sequences\`) or servers behind a load balancer when \`/health\` shows a long queue.`;

  return `# StepLens RL run (${ENGINE_NAMES[e]})

Generated by \`steplens rl init --engine ${e}\`. StepLens never trains: ${ENGINE_NAMES[e]} does; StepLens serves the reward.
Policy model: \`${spec.model}\`; ${spec.nodes} node(s) × ${spec.gpusPerNode} GPU(s); ${spec.prompts} prompt(s).

## Files
${files.join("\n")}

## 1. Start the reward server
\`\`\`
steplens serve --model <PRM or verifier GGUF> --prm <adapter> --port ${new URL(spec.rewardUrl).port || "8080"} --gate ${preset} ${sizingFlags(sizing)}
\`\`\`
(in VS Code: **StepLens: Start Reward Server**). The queue is sized for this run: ${sizing.because}, so the
server admits ${sizing.maxWaiting} waiting requests (\`--max-waiting\`) and ${sizing.maxConnections} connections
(\`--max-connections\`) per trainer; add as much again for every further trainer it serves. Each rollout gets
the format gate, then the judge, then the scalarisation. Debug rewards offline with
\`steplens reward rollouts.jsonl --model … --gate ${preset}\` — the same computation.

**Format gate: preset \`${preset}\`** (\`--gate\`; setting \`steplens.rewards.gatePreset\`). ${GATE_PRESET_TEXT[preset]}
The two SPARK presets differ in one thing: \`spark\` applies the paper's three rules to the whole rollout, so
text after \`</answer>\` is gated; \`spark-code\` first cuts the rollout at its *last* \`</answer>\`, as SPARK's
published reward function does, so that rule can only fire on a stray \`</answer>\` before the last one. Single
rules go on or off on top of a preset with \`--gate-on\` / \`--no-gate\`.

## 2. Check and launch
\`\`\`
steplens rl launch . --dry-run    # checks python, ${ENGINE_NAMES[e]}, the reward server, GPUs; prints the commands
steplens rl launch .              # checks, then runs launch.sh
\`\`\`

## Settings
| setting | value | from |
|---|---|---|
${settings.join("\n")}

${rewardNote}

reward.py reads \`STEPLENS_REWARD_URL\`, \`STEPLENS_SERVE_TOKEN\`, \`STEPLENS_REWARD_TIMEOUT\` (s, default 300),
\`STEPLENS_REWARD_RETRIES\` (default 5, exponential backoff; 408, 429 and 5xx are retried, Retry-After honoured),
\`STEPLENS_REWARD_ON_ERROR\` (\`raise\`, default: training stops with a clear error when the server is down;
\`zero\`: reward 0, as SPARK's code did), \`STEPLENS_REWARD_ITEM_ERROR_REWARD\` (the reward of one rollout the
server refuses on its own: a 4xx for a batch is split until the refused rollout is alone, so the others keep
their rewards; default 0, or \`raise\`), \`STEPLENS_REWARD_CLIENT_LOG\` (a file: one JSON line per rollout with
the server's answer) and \`STEPLENS_REWARD_SEND_REFERENCE=1\` (reference-guided rewards). A rollout too long for
the judge's context gets the gated reward with reason \`too-long\`; the rest of its batch is scored.${clampedText}

## Scaling out
${scale}

## Checked against
${checked}
`;
}
