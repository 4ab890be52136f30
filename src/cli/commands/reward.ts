/**
 * `steplens reward <file.jsonl>`: the RL reward of each `{"prompt", "response", "reference"?}` line,
 * computed exactly as `steplens serve` computes it for /get_reward and /v1/reward (format gate,
 * judge, scalarisation), for debugging a reward offline. `--model` alone suffices: SPARK's gate, the
 * scalar PRM's `min` (or, with --source verifier, the verifier's `hybrid`).
 */
import fs from "node:fs";
import readline from "node:readline";
import { DEFAULT_CONFIG, type StepLensConfig } from "../../config";
import { errorMessage } from "../../core/errors";
import type { Engine } from "../../engines/engine";
import { rewardJson } from "../../rewards/rewardJson";
import { type RewardDetail, type RewardItem, scoreReward } from "../../rewards/rewardScorer";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { DEMO_NOTICE, ENGINE_OPTIONS, engineConfig, engineFromConfig, isDemoModel, progressPrinter, safeText } from "../flags";
import { defineOptions, jsonOption, optionsHelp, parseOptions } from "../options";
import { REWARD_LOG_OPTIONS, REWARD_OPTIONS, rewardConfigFromFlags, rewardLogFromFlags } from "../rewardFlags";
import { PRM_OPTION, THRESHOLD_OPTION } from "../commonOptions";
import { trainerStepOf } from "../../rewards/rewardLog";

const OPTIONS = defineOptions({
  ...REWARD_OPTIONS,
  ...REWARD_LOG_OPTIONS,
  prm: { ...PRM_OPTION, group: "Other", defaultText: DEFAULT_CONFIG.prm.adapter },
  threshold: { ...THRESHOLD_OPTION, group: "Other", help: "PRM step threshold (outcome and hybrid with the PRM): a step scored below it is an error" },
  json: jsonOption("JSON lines", "Other"),
  ...ENGINE_OPTIONS,
});

function readItem(value: unknown): RewardItem & { trainerStep: number | null } {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error('the line must be a JSON object {"prompt", "response", "reference"?}');
  const v = value as Record<string, unknown>;
  const prompt = v.prompt ?? v.problem ?? "";
  if (typeof prompt !== "string") throw new Error("'prompt' must be a string");
  if (typeof v.response !== "string") throw new Error("'response' must be a string");
  const reference = v.reference ?? null;
  if (reference !== null && typeof reference !== "string") throw new Error("'reference' must be a string");
  const trainerStep = trainerStepOf(v.trainer_step ?? v.trainerStep);
  if (trainerStep === "invalid") throw new Error("'trainer_step' must be a non-negative integer");
  return { prompt, response: v.response, reference, trainerStep };
}

function textLine(line: number, d: RewardDetail): string {
  const gate = d.gate.passed ? "gate passed" : `gate FAILED (${d.gate.reasons.join(", ")}: ${d.gate.details.join("; ")})`;
  const steps = d.steps.length ? `  steps [${d.steps.map((s) => s.toFixed(2)).join(" ")}]` : "";
  const outcome = d.outcome === null ? "" : `  outcome ${d.outcome}`;
  return `line ${line}: reward ${d.reward.toFixed(4)}  ${gate}${outcome}${steps}  (${d.stepCount} step${d.stepCount === 1 ? "" : "s"}, ${d.scalarize})`;
}

export interface RewardCommandDeps {
  /** Builds the engine (tests inject one); default: from the flags' config. */
  engine?: (config: StepLensConfig, io: CliIo) => Promise<Engine>;
}

export function makeRewardCommand(deps: RewardCommandDeps = {}): CliCommand {
  return {
    name: "reward",
    summary: "RL rewards of {prompt, response} lines, exactly as the reward server computes them",
    help: `Usage: steplens reward <file.jsonl> [--scalarize MODE] [gate flags] [model flags] [--json]

Each line {"prompt", "response", "reference"?} gets the reward 'steplens serve' would give it on
/get_reward and /v1/reward: the format gate (exactly one \\boxed{}, exactly one <answer>…</answer>,
nothing after </answer>, 3–20 steps, no appended second solution; the rollout is cut at </answer>
before the judge sees it), the judge, and the scalarisation. A rollout that fails the gate gets the
gated reward and its reason codes, and no model runs for it.

Output: one line per input line; with --json one JSON object per line:
  {"line", "reward", "gate": {"passed", "reasons": [codes], "details"}, "outcome", "steps": [...],
   "stepRewards", "stepCount", "scalarize", "source", "answer", "answerCorrect" (with a reference),
   "seconds"} (+ "demo" for generated random-weight models)
With --reward-log, a line's own "trainer_step" is logged as its trainer step.

${optionsHelp(OPTIONS)}

Examples:
  steplens reward rollouts.jsonl --model ./prm.gguf --prm math-shepherd
  steplens reward rollouts.jsonl --model ./judge.gguf --source verifier --json
  steplens reward rollouts.jsonl --model demo --no-gate step-count`,

    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseOptions(argv, OPTIONS);
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length) throw new UsageError('give one JSONL file of {"prompt", "response", "reference"?} lines.');
      if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
      const config = engineConfig(values, ["prm", "verifier", "prover"], io.env); // one file, loaded once; the prover rolls out for pav
      if (values.prm) config.prm.adapter = values.prm;
      config.prm.threshold = values.threshold;
      const opts = rewardConfigFromFlags(values, config);
      const json = values.json;
      const model = config.engine.kind === "local" ? config.models[opts.source === "prm" ? "prm" : "verifier"] : config.openai.model;
      const demo = isDemoModel(model);
      if (demo && !json) io.stdout.write(`${DEMO_NOTICE} (a generated model with random weights)\n`);

      const rewardLog = rewardLogFromFlags(values, model);
      if (rewardLog && !json) io.stdout.write(`reward log: ${rewardLog.file}\n`);
      let engine: Engine;
      try {
        engine = await (deps.engine ?? engineFromConfig)(config, io);
      } catch (e) {
        rewardLog?.close();
        throw e;
      }
      const progress = progressPrinter(io, "reward");
      let failed = 0;
      let done = 0;
      try {
        const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
        let line = 0;
        for await (const raw of rl) {
          line++;
          if (io.signal.aborted) break;
          if (!raw.trim()) continue;
          let item: RewardItem & { trainerStep: number | null };
          try {
            item = readItem(JSON.parse(raw));
          } catch (e) {
            failed++;
            const msg = `${file}:${line}: ${errorMessage(e)}`;
            if (json) io.stdout.write(JSON.stringify({ line, error: msg }) + "\n");
            else io.stderr.write(`steplens reward: ${safeText(msg)}\n`);
            continue;
          }
          const { trainerStep, ...rollout } = item;
          const d = await scoreReward(engine, rollout, opts, { signal: io.signal });
          rewardLog?.append({ client: "cli", route: "steplens reward", item: rollout, detail: d, trainerStep });
          done++;
          progress.update({ done, message: `line ${line}` });
          if (json) io.stdout.write(JSON.stringify({ ...rewardJson(line, d), ...(demo ? { demo: DEMO_NOTICE } : {}) }) + "\n");
          else io.stdout.write(textLine(line, d) + "\n");
        }
      } finally {
        progress.done();
        rewardLog?.close();
        await engine.dispose();
      }
      if (io.signal.aborted) return 130;
      if (!json) io.stdout.write(`${done} rewarded${failed ? `, ${failed} unreadable line${failed > 1 ? "s" : ""}` : ""}\n`);
      return failed ? 1 : 0;
    },
  };
}

export const rewardCommand: CliCommand = makeRewardCommand();
