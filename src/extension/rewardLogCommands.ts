/**
 * The reward-log feature of the editor: rollout documents, the run dashboard, the commands (Open
 * Reward Log…, Filter Rollouts…, Sort Rollouts…, Clear Rollout Filters, Open Run Dashboard, Close
 * Reward Log; Open Rollout and Show More for tree items), and opening the log of the reward server
 * the editor starts (`steplens.rewards.logFile`) when its task starts. Opening a log reads files only:
 * it runs nothing, so it works in an untrusted workspace too.
 */
import path from "node:path";
import * as vscode from "vscode";
import { CancelledError } from "../core/errors";
import { CommandId, DATASETS_VIEW } from "./commandIds";
import { registerCommands, type CommandSpec } from "./commands";
import type { StepLensContext } from "./context";
import { REWARD_SERVER_TASK } from "./rewardServer";
import { filterRollouts, pickRewardLog, sortRollouts } from "./rewardLogs";
import { RolloutDocuments } from "./rolloutDocuments";
import { RunDashboardPanel } from "./runDashboardPanel";

/** The editor's reward log, as an absolute path (relative settings are taken from the first workspace folder), or undefined. */
export function serverRewardLogFile(ctx: StepLensContext): string | undefined {
  const setting = ctx.configuration.current.rewards.logFile.trim();
  if (!setting) return undefined;
  const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => f.uri.scheme === "file");
  return path.isAbsolute(setting) ? setting : folder ? path.resolve(folder.uri.fsPath, setting) : undefined;
}

function isRolloutRef(v: unknown): v is { log: string; record: number; id?: string } {
  const o = v as { log?: unknown; record?: unknown } | null;
  return typeof o === "object" && o !== null && typeof o.log === "string" && Number.isInteger(o.record);
}

async function openRewardLogCommand(ctx: StepLensContext, arg: unknown): Promise<unknown> {
  let uri = arg instanceof vscode.Uri ? arg : typeof arg === "string" ? vscode.Uri.file(arg) : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: "StepLens: open a reward log (steplens serve --reward-log)",
      canSelectMany: false,
      filters: { "Reward logs (JSONL)": ["jsonl"], "All files": ["*"] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  if (uri.scheme !== "file") throw new Error("StepLens reads reward logs from files on disk.");
  try {
    const log = await ctx.datasets.rewardLogs.open(uri.fsPath);
    if (log.index.size === 0 && log.index.badLines > 0)
      void vscode.window.showWarningMessage(
        `StepLens: ${path.basename(uri.fsPath)} holds no reward log lines (${log.index.badLines} other lines). Open it with Open Dataset… instead.`,
      );
    await vscode.commands.executeCommand(`${DATASETS_VIEW}.focus`);
    return log;
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    throw e;
  }
}

export function registerRewardLogs(ctx: StepLensContext): vscode.Disposable {
  const views = ctx.datasets.rewardLogs;
  const rollouts = new RolloutDocuments(views, () => ctx.configuration.current.prm.threshold);
  const dashboard = new RunDashboardPanel(ctx.extension.extensionUri, views, rollouts);

  const commands: CommandSpec[] = [
    { id: CommandId.openRewardLog, run: (c, arg) => openRewardLogCommand(c, arg) },
    {
      id: CommandId.openRollout,
      run: async (_c, arg) => {
        if (!isRolloutRef(arg)) return undefined;
        const log = views.get(arg.log) ?? (await views.open(arg.log));
        return rollouts.open({ log: log.file, record: arg.record, id: arg.id ?? log.index.summary(arg.record).id });
      },
    },
    { id: CommandId.filterRollouts, run: (_c, arg) => filterRollouts(views, arg) },
    { id: CommandId.sortRollouts, run: (_c, arg) => sortRollouts(views, arg) },
    {
      id: CommandId.clearRolloutFilters,
      run: async (_c, arg) => {
        const log = await pickRewardLog(views, arg);
        if (log) views.setFilter(log, {});
      },
    },
    {
      id: CommandId.showMoreRollouts,
      run: async (_c, arg) => {
        const log = await pickRewardLog(views, arg);
        if (log) views.showMore(log);
      },
    },
    {
      id: CommandId.openRunDashboard,
      run: async (_c, arg) => {
        const log = await pickRewardLog(views, arg);
        if (log) dashboard.show(log);
        return log ? dashboard.lastModel : undefined;
      },
    },
    {
      id: CommandId.closeRewardLog,
      run: async (_c, arg) => {
        const log = await pickRewardLog(views, arg);
        if (log) views.close(log.file);
      },
    },
  ];

  // The editor's reward server: follow its log from the moment its task starts.
  const followServerLog = () => {
    const file = serverRewardLogFile(ctx);
    if (!file) return;
    void views.open(file, { server: true }).then(
      () => ctx.log.info(`following the reward server's log ${file}`),
      (e) => ctx.log.warn(`cannot follow the reward log ${file}: ${String(e)}`),
    );
  };
  const subs = [
    vscode.tasks.onDidStartTask((e) => {
      if (e.execution.task.name === REWARD_SERVER_TASK) followServerLog();
    }),
    vscode.tasks.onDidEndTask((e) => {
      if (e.execution.task.name !== REWARD_SERVER_TASK) return;
      const file = serverRewardLogFile(ctx);
      const log = file && views.get(file);
      if (log) {
        log.server = false;
        void views.poll(log);
      }
    }),
  ];
  if (vscode.tasks.taskExecutions.some((e) => e.task.name === REWARD_SERVER_TASK)) followServerLog();

  return vscode.Disposable.from(registerCommands(ctx, commands), rollouts, dashboard, ...subs);
}
