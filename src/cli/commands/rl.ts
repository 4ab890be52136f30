/**
 * `steplens rl init|launch`: RL with the StepLens reward server on an existing trainer (verl on
 * Ray, OpenRLHF, TRL) — StepLens never ships its own trainer. `init` writes the run folder
 * (src/rl/rlInit.ts); `launch` checks the prerequisites, each with its fix, then runs it.
 */
import path from "node:path";
import { RL_ENGINES, CHECKED_AGAINST, DEFAULT_POLICY_MODEL, SPARK_DEFAULTS } from "../../rl/rlRunSpec";
import { rlInit } from "../../rl/rlInit";
import { checkPrerequisites, dryRunCommands, readRunSpec, runLaunch, type LaunchDeps } from "../../rl/rlLaunch";
import { rayJobOfRun, runRayJob, submitArgs, type RayJobDeps } from "../../rl/rayJob";
import type { GatePreset, RewardScalarize } from "../../config";
import { GATE_PRESETS } from "../../rewards/gatePresets";
import type { CliCommand, CliIo } from "../command";
import { safeText, UsageError } from "../flags";
import { defineOptions, optionsHelp, parseOptions } from "../options";
import { REWARD_OPTIONS } from "../rewardFlags";
import { RAY_ADDRESS_OPTION } from "../commonOptions";

declare const STEPLENS_VERSION: string | undefined;

const INIT = "Options (init)";
const LAUNCH = "Options (launch)";

const INIT_OPTIONS = defineOptions({
  engine: { type: "enum", choices: RL_ENGINES, group: INIT, help: "the trainer; required" },
  out: { type: "text", arg: "<DIR>", group: INIT, help: "the run folder (created); required" },
  "reward-url": {
    type: "text",
    arg: "<URL>",
    group: INIT,
    help: "the reward server's base URL, e.g. http://127.0.0.1:8080 (steplens serve); required",
  },
  model: { type: "text", arg: "<HF_ID>", group: INIT, default: DEFAULT_POLICY_MODEL, help: "policy model" },
  data: { type: "text", arg: "<FILE>", group: INIT, help: "prompts: JSONL/JSON rows with prompt|problem|question and optional reference|answer" },
  nodes: { type: "int", arg: "<N>", bounds: { min: 1, max: 4096 }, group: INIT, default: 1, help: "machines" },
  "gpus-per-node": { type: "int", arg: "<G>", bounds: { min: 1, max: 64 }, group: INIT, defaultText: "8; 1 with --cpu", help: "GPUs per machine" },
  generations: {
    type: "int",
    arg: "<G>",
    bounds: { min: 2, max: 1024 },
    group: INIT,
    default: SPARK_DEFAULTS.rollouts,
    help: "completions per prompt, GRPO's group",
  },
  batch: {
    type: "int",
    arg: "<P>",
    bounds: { min: 1, max: 1_000_000 },
    group: INIT,
    default: SPARK_DEFAULTS.batchSize,
    help: "prompts per optimizer step; at most the prompts given",
  },
  "max-steps": {
    type: "int",
    arg: "<N>",
    bounds: { min: 1, max: 100_000_000 },
    group: INIT,
    defaultText: `${SPARK_DEFAULTS.epochs} epochs`,
    help: "stop after N optimizer steps",
  },
  "max-response-length": {
    type: "int",
    arg: "<T>",
    bounds: { min: 1, max: 1_048_576 },
    group: INIT,
    default: SPARK_DEFAULTS.maxResponseLength,
    help: "tokens per completion",
  },
  "tensor-parallel": {
    type: "int",
    arg: "<T>",
    bounds: { min: 1, max: 64 },
    group: INIT,
    default: SPARK_DEFAULTS.tensorParallel,
    help: "rollout tensor parallel, verl/OpenRLHF; at most the GPUs per node",
  },
  cpu: { type: "boolean", group: INIT, help: "TRL only: train on the CPU (a smoke run on any machine; --gpus-per-node = processes)" },
  gate: {
    ...REWARD_OPTIONS.gate,
    arg: "<PRESET>",
    group: INIT,
    help: `${GATE_PRESETS.join(" | ")}: the reward server's format gate, for the README and the launch check`,
  },
  scalarize: {
    ...REWARD_OPTIONS.scalarize,
    arg: "<MODE>",
    group: INIT,
    help: "ask the server for outcome | hybrid | min | product | pav | steps; auto: the server's own",
  },
  dense: {
    type: "boolean",
    group: INIT,
    help: "verl: per-step rewards, each on the token where its step ends (a reward manager for verl's reward loop, steplens_dense_reward.py); TRL and OpenRLHF take one scalar per completion, so there use --scalarize",
  },
  force: { type: "boolean", group: INIT, help: "write even over files in DIR that steplens rl init did not write or that changed" },
});

const LAUNCH_OPTIONS = defineOptions({
  "dry-run": { type: "boolean", group: LAUNCH, help: "print the exact commands instead of running them" },
  "ray-address": {
    ...RAY_ADDRESS_OPTION,
    group: LAUNCH,
    help: "submit the run to an existing Ray cluster as a job (the folder is its working directory), stream the job's logs here, and stop the job on Ctrl-C",
  },
  "reward-check": {
    type: "boolean",
    group: LAUNCH,
    help: "with --ray-address: the job is the run's reward check (reward.py against the server, on a worker) instead of training",
  },
});

const HELP = `Usage:
  steplens rl init --engine verl|openrlhf|trl --out DIR --reward-url URL [--model HF_ID]
                   [--data FILE] [--nodes N --gpus-per-node G] [--scalarize MODE]
  steplens rl launch DIR [--dry-run] [--ray-address URL [--reward-check]]

RL with the StepLens reward server as the reward, on an existing trainer (StepLens never trains):
  init     writes DIR: launch.sh (SPARK's settings: GRPO, ${SPARK_DEFAULTS.rollouts} rollouts, lr ${SPARK_DEFAULTS.learningRate}, KL ${SPARK_DEFAULTS.klCoef}
           low-var-KL; multi-node through Ray or accelerate), reward.py (Python standard library:
           verl's compute_score / compute_score_batch, TRL's reward_func; retries, timeouts, a clear
           error when the server is down), the prompt data in the engine's format (verl: parquet),
           and a README explaining every setting and how to scale out.
  launch   checks python3, the engine importable, the reward server reachable, GPUs visible and the
           prompt data, each missing one with its fix; --dry-run prints the exact commands instead
           of running them; otherwise runs launch.sh (Ctrl-C stops it), or with --ray-address
           submits it to a Ray cluster as a job.

${optionsHelp(INIT_OPTIONS)}

${optionsHelp(LAUNCH_OPTIONS)}

Sizes that cannot run are changed (said on stderr): tensor parallel ≤ GPUs per node, batch ≤ prompts,
prompts × generations split evenly over all GPUs. rl init writes only into a new or empty folder, or a
run folder it wrote whose files nobody changed (their hashes are in steplens-rl.json).

Settings checked against:
  ${Object.values(CHECKED_AGAINST).join("\n  ")}

Examples:
  steplens serve --model ./prm.gguf --prm math-shepherd --port 8080 &
  steplens rl init --engine verl --out runs/grpo --reward-url http://127.0.0.1:8080 --data examples/problems.jsonl
  steplens rl launch runs/grpo --dry-run
  steplens rl init --engine trl --cpu --out runs/smoke --reward-url http://127.0.0.1:8080 --data prompts.jsonl \\
                   --model ./tiny-model --generations 4 --batch 2 --max-steps 2 --max-response-length 32`;

export function makeRlCommand(deps: LaunchDeps & { ray?: RayJobDeps } = {}): CliCommand {
  return {
    name: "rl",
    summary: "set up and launch RL with the StepLens reward server (verl, OpenRLHF, TRL)",
    help: HELP,
    async run(argv: string[], io: CliIo): Promise<number> {
      const [sub, ...rest] = argv;
      if (sub === "init") return init(rest, io);
      if (sub === "launch") return launch(rest, io, deps);
      throw new UsageError(sub ? `unknown subcommand '${sub}' (init or launch)` : "give a subcommand: init or launch");
    },
  };
}

function init(argv: string[], io: CliIo): number {
  const { values, positionals } = parseOptions(argv, INIT_OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const { engine, out, "reward-url": rewardUrl } = values;
  if (!engine) throw new UsageError(`--engine is required: ${RL_ENGINES.join(", ")}`);
  if (!out) throw new UsageError("--out DIR is required (the run folder)");
  if (!rewardUrl) throw new UsageError("--reward-url URL is required (the address 'steplens serve' prints, e.g. http://127.0.0.1:8080)");
  const scalarize = values.scalarize as RewardScalarize;
  const data = values.data ?? null;
  const r = rlInit(
    out,
    {
      engine,
      rewardUrl,
      model: values.model,
      nodes: values.nodes,
      gpusPerNode: values["gpus-per-node"] ?? (values.cpu ? 1 : 8),
      scalarize: scalarize === "auto" ? null : scalarize,
      ...(values.dense ? { dense: true } : {}),
      ...SPARK_DEFAULTS,
      rollouts: values.generations,
      batchSize: values.batch,
      tensorParallel: values["tensor-parallel"],
      maxResponseLength: values["max-response-length"],
      maxSteps: values["max-steps"] ?? -1,
      device: values.cpu ? "cpu" : "gpu",
      gatePreset: values.gate as GatePreset,
    },
    data,
    `steplens ${typeof STEPLENS_VERSION === "string" ? STEPLENS_VERSION : "0.0.0-dev"}`,
    { force: values.force },
  );
  for (const line of r.clamped) io.stderr.write(`steplens rl init: ${line}\n`);
  io.stdout.write(`wrote ${engine} run folder ${r.dir}:\n${r.files.map((f) => `  ${f}`).join("\n")}\n`);
  if (!data) io.stdout.write("  (no prompt data: pass --data FILE to write it)\n");
  io.stdout.write(`next: steplens rl launch ${path.relative(process.cwd(), r.dir) || "."} --dry-run\n`);
  return 0;
}

async function launch(argv: string[], io: CliIo, deps: LaunchDeps & { ray?: RayJobDeps }): Promise<number> {
  const { values, positionals } = parseOptions(argv, LAUNCH_OPTIONS);
  const [folder, ...extra] = positionals;
  if (folder === undefined || extra.length) throw new UsageError("give the run folder: steplens rl launch DIR [--dry-run]");
  const dir = path.resolve(folder);
  const spec = readRunSpec(dir);
  const env = { ...io.env };
  const rayAddress = values["ray-address"];
  if (values["reward-check"] && !rayAddress)
    throw new UsageError("--reward-check goes with --ray-address (without Ray, run: python3 reward_check.py in the run folder)");
  if (rayAddress) {
    const job = rayJobOfRun(dir, spec, env, rayAddress, values["reward-check"]);
    if (values["dry-run"]) {
      io.stdout.write(`# the Ray job steplens would submit:\nray ${submitArgs(job).map(shellQuote).join(" ")}\n`);
      return 0;
    }
    return runRayJob(job, { out: io.stdout, err: io.stderr, signal: io.signal, env }, deps.ray);
  }
  const checks = await checkPrerequisites(dir, spec, env, deps);
  for (const c of checks) {
    io.stdout.write(`${c.ok ? "ok".padEnd(7) : "MISSING"} ${c.name}: ${safeText(c.detail)}\n`);
    if (!c.ok) io.stdout.write(`        fix: ${c.fix}\n`);
  }
  const missing = checks.filter((c) => !c.ok).length;
  if (values["dry-run"]) {
    io.stdout.write(`\n# commands launch.sh runs (NNODES=${env.NNODES ?? spec.nodes}, NODE_RANK=${env.NODE_RANK ?? 0}):\n`);
    const dry = dryRunCommands(dir, spec, env);
    io.stdout.write(dry.commands);
    if (dry.changed)
      io.stdout.write(
        `\nWARNING: ${safeText(dry.changed)}.\n  These are the commands steplens rl init wrote; 'steplens rl launch' runs the folder's launch.sh as it is: review it.\n`,
      );
    io.stdout.write(missing ? `\n${missing} prerequisite(s) missing: fix them before launching.\n` : "\nall prerequisites present.\n");
    return 0;
  }
  if (missing) {
    io.stderr.write(`steplens rl launch: ${missing} prerequisite(s) missing (fixes above); nothing started.\n`);
    return 1;
  }
  return runLaunch(dir, env, io.signal, io.stdout, io.stderr);
}

export const rlCommand: CliCommand = makeRlCommand();

/** A word as bash reads it back (single quotes when needed). */
function shellQuote(w: string): string {
  return /^[A-Za-z0-9._/:@%+=,-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
}
