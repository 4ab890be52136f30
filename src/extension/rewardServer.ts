/**
 * The reward server and RL training from the editor (thin glue; the arguments and the status text
 * live in src/pipelines/rewardPipelineArgs.ts):
 * - "StepLens: Start Reward Server": `steplens serve` with the PRM and the rewards.* settings, as a
 *   background `steplens` task (pipeline "serve") in its own terminal;
 * - "StepLens: Start RL Training…": engine, run folder, prompts → `steplens rl init` (when the folder
 *   is new), then `steplens rl launch` (or a dry run), each a `steplens` task (pipeline "rl");
 * - a status bar item with the reward server's state (listening, requests/s, queue), polling
 *   /health while a reward-server task runs;
 * - ready tasks for the task provider: the reward server, and a dry run for each RL run folder.
 * Both commands are trusted actions: in an untrusted workspace they run nothing.
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import {
  rewardServeArgs,
  rewardServerState,
  rewardServerText,
  rlInitArgs,
  rlLaunchArgs,
  type RewardServerState,
  type RlChoices,
} from "../pipelines/rewardPipelineArgs";
import { type StepLensTaskDefinition, TASK_TYPE } from "../pipelines/pipelineTable";
import { RUN_SPEC_FILE } from "../rl/rlRunSpec";
import { STATUS_POLL_HEADER } from "../server/statusPoll";
import { CommandId } from "./commandIds";
import type { CommandSpec } from "./commands";
import type { StepLensContext } from "./context";
import { buildTask, runPipeline } from "./pipelineTasks";

/** The task's name; Run Task shows it after its source, "StepLens: reward server" (never "StepLens: StepLens …"). */
export const REWARD_SERVER_TASK = "reward server";
const POLL_MS = 3000;

function rewardUrl(ctx: StepLensContext): string {
  return `http://127.0.0.1:${ctx.configuration.current.rewards.serverPort}`;
}

function firstFolder(): vscode.WorkspaceFolder | undefined {
  return (vscode.workspace.workspaceFolders ?? []).find((f) => f.uri.scheme === "file");
}

/** The reward-server task definition from the settings, or why there is none. */
export function rewardServerDefinition(ctx: StepLensContext): StepLensTaskDefinition | string {
  const args = rewardServeArgs(ctx.configuration.current);
  return typeof args === "string" ? args : { type: TASK_TYPE, pipeline: "serve", args };
}

function isRewardServerRunning(): boolean {
  return vscode.tasks.taskExecutions.some((e) => e.task.name === REWARD_SERVER_TASK);
}

export async function startRewardServer(ctx: StepLensContext): Promise<vscode.TaskExecution | undefined> {
  const folder = firstFolder();
  if (!folder) {
    void vscode.window.showErrorMessage("StepLens: open a folder first: the reward server runs as a task in a workspace folder.");
    return undefined;
  }
  const def = rewardServerDefinition(ctx);
  if (typeof def === "string") {
    const choose = "Choose Model…";
    if ((await vscode.window.showErrorMessage(`StepLens: to start the reward server, ${def}`, choose)) === choose)
      await vscode.commands.executeCommand(CommandId.chooseModel, "prm");
    return undefined;
  }
  const running = vscode.tasks.taskExecutions.find((e) => e.task.name === REWARD_SERVER_TASK);
  if (running) {
    void vscode.window.showInformationMessage(`StepLens: the reward server is already running at ${rewardUrl(ctx)}.`);
    return running;
  }
  const task = buildTask(ctx, def, folder, REWARD_SERVER_TASK);
  ctx.log.info(`starting the reward server: ${task.detail ?? ""}`);
  return vscode.tasks.executeTask(task);
}

export interface RlCommandArgs extends Partial<RlChoices> {
  /** Print the commands instead of training. */
  dryRun?: boolean;
}

export async function startRlTraining(ctx: StepLensContext, arg?: unknown) {
  const given: RlCommandArgs = arg && typeof arg === "object" ? (arg as RlCommandArgs) : {};
  const folder = firstFolder();
  if (!folder) {
    void vscode.window.showErrorMessage("StepLens: open a folder first: RL runs in a workspace folder on disk.");
    return undefined;
  }
  const engine =
    given.engine ??
    (
      await vscode.window.showQuickPick(
        [
          { label: "verl", description: "Ray, multi-node; GRPO via verl.trainer.main_ppo", engine: "verl" as const },
          { label: "OpenRLHF", description: "Ray; the server's /get_reward as --reward.remote_url", engine: "openrlhf" as const },
          { label: "TRL", description: "GRPOTrainer with accelerate", engine: "trl" as const },
        ],
        { title: "StepLens: Start RL Training (1/3): trainer", ignoreFocusOut: true },
      )
    )?.engine;
  if (!engine) return undefined;
  const out =
    given.out ??
    (await vscode.window.showInputBox({
      title: "StepLens: Start RL Training (2/3): run folder (an existing one is reused)",
      value: `rl-runs/${engine}`,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : "a folder, relative to the workspace folder"),
    }));
  if (!out) return undefined;
  const outAbs = path.resolve(folder.uri.fsPath, out);
  const exists = fs.existsSync(path.join(outAbs, RUN_SPEC_FILE));
  if (!exists) {
    let data = given.data;
    if (data === undefined) {
      const picked = await vscode.window.showOpenDialog({
        title: "StepLens: Start RL Training (3/3): prompts (JSONL with prompt/problem and optional reference) — Cancel for none",
        defaultUri: folder.uri,
        filters: { Prompts: ["jsonl", "json"] },
      });
      data = picked?.[0] ? path.relative(folder.uri.fsPath, picked[0].fsPath) : undefined;
    }
    const init = await runPipeline(
      ctx,
      {
        type: TASK_TYPE,
        pipeline: "rl",
        args: rlInitArgs({
          engine,
          out,
          rewardUrl: given.rewardUrl ?? rewardUrl(ctx),
          model: given.model,
          data,
          nodes: given.nodes,
          gpusPerNode: given.gpusPerNode,
          cpu: given.cpu,
          generations: given.generations,
          batch: given.batch,
          maxSteps: given.maxSteps,
          maxResponseLength: given.maxResponseLength,
        }),
      },
      folder,
      `StepLens rl init ${engine}`,
    );
    if (init.exitCode !== 0) return init;
  }
  let dryRun = given.dryRun;
  if (dryRun === undefined) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: "Check and launch", description: "steplens rl launch: prerequisites, then launch.sh", dry: false },
        { label: "Dry run", description: "check the prerequisites and print the exact commands", dry: true },
      ],
      { title: `StepLens: RL run ${out}`, ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    dryRun = pick.dry;
  }
  return runPipeline(
    ctx,
    { type: TASK_TYPE, pipeline: "rl", args: rlLaunchArgs(out, dryRun) },
    folder,
    `rl ${dryRun ? "dry run" : "launch"} ${path.basename(out)}`,
  );
}

/** Ready tasks: the reward server (when a model is set) and a dry run per RL run folder. */
export async function rewardTasks(ctx: StepLensContext, folder: vscode.WorkspaceFolder, token?: vscode.CancellationToken): Promise<vscode.Task[]> {
  const tasks: vscode.Task[] = [];
  const def = rewardServerDefinition(ctx);
  if (typeof def !== "string") tasks.push(buildTask(ctx, def, folder, REWARD_SERVER_TASK));
  const runs = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `**/${RUN_SPEC_FILE}`), "**/{node_modules,.git}/**", 20, token);
  for (const r of runs) {
    const dir = path.relative(folder.uri.fsPath, path.dirname(r.fsPath)).split(path.sep).join("/") || ".";
    tasks.push(buildTask(ctx, { type: TASK_TYPE, pipeline: "rl", args: rlLaunchArgs(dir, true) }, folder, `rl dry run ${path.basename(dir)}`));
    tasks.push(buildTask(ctx, { type: TASK_TYPE, pipeline: "rl", args: rlLaunchArgs(dir, false) }, folder, `rl launch ${path.basename(dir)}`));
  }
  return tasks;
}

/** The status bar item: shown while a reward-server task runs or a server answers on the port. */
export function registerRewardServerStatus(ctx: StepLensContext): vscode.Disposable {
  const item = vscode.window.createStatusBarItem("steplens.rewardServer", vscode.StatusBarAlignment.Left, 99);
  item.name = "StepLens Reward Server";
  item.command = CommandId.startRewardServer;
  let timer: NodeJS.Timeout | undefined;
  let last: RewardServerState = { kind: "stopped" };
  const render = () => {
    const port = ctx.configuration.current.rewards.serverPort;
    item.text = rewardServerText(last, port);
    item.tooltip =
      last.kind === "listening"
        ? `StepLens reward server at http://127.0.0.1:${port} (scalarize ${last.scalarize}): /get_reward (OpenRLHF), /v1/reward`
        : "StepLens reward server (click to start)";
    if (last.kind === "stopped" && !isRewardServerRunning()) item.hide();
    else item.show();
  };
  const poll = async () => {
    const running = isRewardServerRunning();
    let health: unknown = null;
    try {
      const res = await fetch(`${rewardUrl(ctx)}/health`, { signal: AbortSignal.timeout(1500), headers: { [STATUS_POLL_HEADER]: "1" } });
      if (res.ok) health = await res.json();
    } catch {
      health = null;
    }
    last = rewardServerState(health, running);
    render();
    if (!running && last.kind === "stopped" && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const ensurePolling = () => {
    timer ??= setInterval(() => void poll(), POLL_MS);
    void poll();
  };
  const subs = [
    vscode.tasks.onDidStartTask((e) => {
      if (e.execution.task.name === REWARD_SERVER_TASK) ensurePolling();
    }),
    vscode.tasks.onDidEndTask((e) => {
      if (e.execution.task.name === REWARD_SERVER_TASK) void poll();
    }),
  ];
  if (isRewardServerRunning()) ensurePolling();
  return vscode.Disposable.from(item, ...subs, { dispose: () => timer && clearInterval(timer) });
}

export const REWARD_COMMANDS: readonly CommandSpec[] = [
  { id: CommandId.startRewardServer, trustedAction: "start the reward server (it runs models and the steplens CLI)", run: (ctx) => startRewardServer(ctx) },
  {
    id: CommandId.startRlTraining,
    trustedAction: "start RL training (it runs the steplens CLI and the trainer)",
    run: (ctx, arg) => startRlTraining(ctx, arg),
  },
];
