/**
 * StepLens pipelines as VS Code tasks (type "steplens", table in src/pipelines/pipelineTable.ts):
 * - a task provider: ready tasks for the workspace's synthesis folders and labelled datasets, and
 *   tasks.json entries resolved into runnable tasks;
 * - `runPipeline`: what the Synthesize/Export commands call: the same task, executed, its exit code
 *   awaited.
 * Every task runs the CLI as a process (no shell, so no quoting problems) in an integrated terminal
 * named after the job (the task's name), with the `$steplens` problem matcher, so the user sees the
 * progress and stops it with Ctrl-C. In an untrusted workspace no task is offered or run.
 */
import path from "node:path";
import * as vscode from "vscode";
import { detectFormat } from "../formats/detect";
import { resolveCli } from "../pipelines/cliInvocation";
import {
  PROBLEM_MATCHER,
  type StepLensTaskDefinition,
  TASK_TYPE,
  definitionProblem,
  displayCommand,
  findPipeline,
  taskLabel,
  taskProcess,
} from "../pipelines/pipelineTable";
import type { StepLensContext } from "./context";
import { rewardTasks } from "./rewardServer";
import { UNTRUSTED_REASON } from "./trust";

/** The bundled CLI script of this extension. */
export function cliScript(ctx: StepLensContext): string {
  return vscode.Uri.joinPath(ctx.extension.extensionUri, "dist", "cli.js").fsPath;
}

/** A runnable task for `def` in `folder` (`task` given: a tasks.json entry being resolved). */
export function buildTask(
  ctx: StepLensContext,
  def: StepLensTaskDefinition,
  folder: vscode.WorkspaceFolder | vscode.TaskScope.Workspace,
  name?: string,
): vscode.Task {
  const cli = resolveCli(typeof def.cli === "string" ? def.cli : undefined, process.execPath, cliScript(ctx));
  const proc = taskProcess(def, cli);
  const cwd = typeof folder === "object" ? folder.uri.fsPath : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const execution = new vscode.ProcessExecution(proc.command, proc.args, { cwd, env: proc.env });
  const task = new vscode.Task(def, folder, name ?? taskLabel(def), "StepLens", execution, [PROBLEM_MATCHER]);
  task.detail = displayCommand(def);
  task.isBackground = Boolean(findPipeline(def.pipeline)?.background);
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    panel: vscode.TaskPanelKind.Dedicated,
    clear: true,
    echo: true,
    focus: false,
    showReuseMessage: false,
  };
  if (def.pipeline === "synthesize" || def.pipeline === "export") task.group = vscode.TaskGroup.Build;
  return task;
}

/** Ready-made tasks: export tasks for every synthesis folder and labelled dataset of the workspace. */
export async function detectTasks(ctx: StepLensContext, token?: vscode.CancellationToken): Promise<vscode.Task[]> {
  const tasks: vscode.Task[] = [];
  const exclude = "**/{node_modules,.git,.steplens,.vscode,out,dist}/**";
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== "file") continue;
    const rel = (p: string) => path.relative(folder.uri.fsPath, p).split(path.sep).join("/");
    tasks.push(...(await rewardTasks(ctx, folder, token)));
    const manifests = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/manifest.json"), exclude, 50, token);
    for (const m of manifests) {
      try {
        const text = Buffer.from(await vscode.workspace.fs.readFile(m)).toString("utf8");
        if ((JSON.parse(text) as { format?: unknown }).format !== "steplens-synthesis") continue;
      } catch {
        continue;
      }
      const dir = rel(path.dirname(m.fsPath)) || ".";
      for (const format of ["trl-prm", "prm-cot-sft", "verl-parquet"]) {
        const out = `${dir}/export/${format}${format === "verl-parquet" ? ".parquet" : ".jsonl"}`;
        tasks.push(buildTask(ctx, { type: TASK_TYPE, pipeline: "export", args: [dir, "--format", format, "--out", out, "--drop-unanimous"] }, folder));
      }
    }
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/*.{json,jsonl}"), exclude, 200, token);
    let datasets = 0;
    for (const f of files) {
      if (datasets >= 20 || token?.isCancellationRequested) break;
      const name = path.basename(f.fsPath);
      if (/^(package(-lock)?|tsconfig.*|manifest|settings|launch|tasks|extensions)\.json$/.test(name)) continue;
      let format: string;
      try {
        format = (await detectFormat(f.fsPath)).format;
      } catch {
        continue;
      }
      if (format !== "processbench" && format !== "prm800k" && format !== "math-shepherd") continue; // labelled datasets only
      datasets++;
      const input = rel(f.fsPath);
      const stem = name.replace(/\.(jsonl|json)$/i, "");
      tasks.push(
        buildTask(
          ctx,
          { type: TASK_TYPE, pipeline: "export", args: [input, "--format", "trl-prm", "--out", `${path.posix.dirname(input)}/${stem}.trl-prm.jsonl`] },
          folder,
        ),
      );
    }
  }
  return tasks;
}

export function registerTaskProvider(ctx: StepLensContext): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(TASK_TYPE, {
    provideTasks: async (token) => {
      if (!vscode.workspace.isTrusted) {
        ctx.log.info(`no StepLens tasks offered: ${UNTRUSTED_REASON}`);
        return [];
      }
      return detectTasks(ctx, token);
    },
    resolveTask: (task) => {
      const def = task.definition as StepLensTaskDefinition;
      const problem = definitionProblem(def);
      if (problem) {
        ctx.log.warn(`tasks.json: StepLens task '${task.name}': ${problem}`);
        void vscode.window.showErrorMessage(`StepLens task '${task.name}': ${problem}`);
        return undefined;
      }
      if (!vscode.workspace.isTrusted) return undefined; // VS Code runs no task there anyway
      const scope = task.scope && typeof task.scope === "object" ? task.scope : vscode.TaskScope.Workspace;
      return buildTask(ctx, def, scope as vscode.WorkspaceFolder | vscode.TaskScope.Workspace, task.name);
    },
  });
}

export interface PipelineRun {
  task: vscode.Task;
  /** The process's exit code; undefined when it was stopped without one. */
  exitCode: number | undefined;
}

/**
 * Runs `def` as a task in `folder` (in its own terminal named after the job) and resolves when the
 * process ends. The caller has checked Workspace Trust.
 */
export async function runPipeline(ctx: StepLensContext, def: StepLensTaskDefinition, folder: vscode.WorkspaceFolder, name?: string): Promise<PipelineRun> {
  const task = buildTask(ctx, def, folder, name);
  ctx.log.info(`running task '${task.name}': ${task.detail ?? ""}`);
  const started: { execution?: vscode.TaskExecution } = {};
  const ended = new Promise<number | undefined>((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution !== started.execution && e.execution.task.name !== task.name) return;
      sub.dispose();
      resolve(e.exitCode);
    });
  });
  started.execution = await vscode.tasks.executeTask(task);
  const exitCode = await ended;
  ctx.log.info(`task '${task.name}' ended with exit code ${exitCode ?? "none"}`);
  return { task, exitCode };
}
