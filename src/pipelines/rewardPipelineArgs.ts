/**
 * The CLI arguments of the editor's reward-server and RL tasks (`pipeline: serve | rl`), built from
 * the typed config, and what the status bar says about a reward server's /health. No `vscode` import.
 */
import type { StepLensConfig } from "../config";

/** `steplens serve …` for the reward server: the PRM (or verifier) model, loopback, the rewards.* settings. */
export function rewardServeArgs(c: StepLensConfig): string[] | string {
  const judge = c.rewards.source === "prm" ? c.models.prm : c.models.verifier || c.models.prm;
  if (c.engine.kind !== "local")
    return "the reward server runs local models: set steplens.engine.kind to local and choose a PRM model (StepLens: Choose Model…).";
  if (!judge) return `choose a ${c.rewards.source === "prm" ? "PRM" : "verifier"} model first (StepLens: Choose Model…).`;
  const args = [
    "--model",
    judge,
    "--prm",
    c.prm.adapter,
    "--port",
    String(c.rewards.serverPort),
    "--source",
    c.rewards.source,
    "--scalarize",
    c.rewards.scalarize,
    "--gated-reward=" + String(c.rewards.gatedReward),
  ];
  args.push("--min-steps", String(c.rewards.minSteps), "--max-steps", String(c.rewards.maxSteps), "--verifier-samples", String(c.rewards.verifierSamples));
  args.push("--gate", c.rewards.gatePreset);
  const switches: Array<[string, string]> = [
    ["boxed-count", c.rewards.gateBoxedCount],
    ["answer-tag-count", c.rewards.gateAnswerTagCount],
    ["text-after-answer", c.rewards.gateTextAfterAnswer],
    ["step-count", c.rewards.gateStepCount],
    ["second-solution", c.rewards.gateSecondSolution],
  ];
  const forced = (s: string) => switches.filter(([, v]) => v === s).map(([code]) => code);
  if (forced("off").length) args.push("--no-gate", forced("off").join(","));
  if (forced("on").length) args.push("--gate-on", forced("on").join(","));
  if (c.local.gpu !== "auto") args.push("--gpu", c.local.gpu);
  if (c.rewards.logFile.trim()) args.push("--reward-log", c.rewards.logFile.trim(), "--reward-log-max-mb", String(c.rewards.logMaxMb));
  return args;
}

export interface RlChoices {
  engine: "verl" | "openrlhf" | "trl";
  /** Run folder, relative to the workspace folder. */
  out: string;
  rewardUrl: string;
  model?: string;
  data?: string;
  nodes?: number;
  gpusPerNode?: number;
  /** TRL: train on the CPU (a smoke run). */
  cpu?: boolean;
  /** Completions per prompt, prompts per step, optimizer steps, tokens per completion (rl init's sizes). */
  generations?: number;
  batch?: number;
  maxSteps?: number;
  maxResponseLength?: number;
}

export function rlInitArgs(c: RlChoices): string[] {
  const args = ["init", "--engine", c.engine, "--out", c.out, "--reward-url", c.rewardUrl];
  if (c.model) args.push("--model", c.model);
  if (c.data) args.push("--data", c.data);
  if (c.nodes) args.push("--nodes", String(c.nodes));
  if (c.gpusPerNode) args.push("--gpus-per-node", String(c.gpusPerNode));
  if (c.cpu) args.push("--cpu");
  if (c.generations) args.push("--generations", String(c.generations));
  if (c.batch) args.push("--batch", String(c.batch));
  if (c.maxSteps) args.push("--max-steps", String(c.maxSteps));
  if (c.maxResponseLength) args.push("--max-response-length", String(c.maxResponseLength));
  return args;
}

export function rlLaunchArgs(dir: string, dryRun: boolean): string[] {
  return ["launch", dir, ...(dryRun ? ["--dry-run"] : [])];
}

export type RewardServerState =
  { kind: "stopped" } | { kind: "starting" } | { kind: "listening"; requestsPerSecond: number; queueDepth: number; scalarize: string };

/** The state a /health answer (or its failure) means; `running`: a reward-server task is running. */
export function rewardServerState(health: unknown, running: boolean): RewardServerState {
  const h = health as { status?: unknown; requestsPerSecond?: unknown; queueDepth?: unknown; rewards?: { scalarize?: unknown } } | null;
  if (h && h.status === "ok") {
    return {
      kind: "listening",
      requestsPerSecond: Number(h.requestsPerSecond) || 0,
      queueDepth: Number(h.queueDepth) || 0,
      scalarize: String(h.rewards?.scalarize ?? "?"),
    };
  }
  return running ? { kind: "starting" } : { kind: "stopped" };
}

/** The status bar text (codicons) for a state. */
export function rewardServerText(s: RewardServerState, port: number): string {
  switch (s.kind) {
    case "stopped":
      return "$(debug-disconnect) Reward server: stopped";
    case "starting":
      return `$(loading~spin) Reward server: starting on :${port}`;
    case "listening":
      return `$(radio-tower) Reward server :${port} · ${s.requestsPerSecond.toFixed(1)} req/s${s.queueDepth ? ` · ${s.queueDepth} queued` : ""}`;
  }
}
