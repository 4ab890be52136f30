/**
 * "StepLens: Synthesize Training Data…" and "StepLens: Export Training Data…": they ask what they
 * need (quick picks and file dialogs, the last choices remembered per workspace, defaults from the
 * settings), then run the CLI as a task in a terminal named after the job (./pipelineTasks.ts). A
 * finished export offers Open / Reveal; a finished synthesis offers Export… and Open in Datasets.
 * An argument object skips the questions (other commands, tests). Workspace Trust is checked by the
 * command table (trustedAction).
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { LABELS_FILE } from "../labels/labelFile";
import {
  EDITOR_EXPORT_FORMATS,
  type ExportChoices,
  type SynthesizeChoices,
  exportArgs,
  exportExtension,
  exportOutputs,
  synthesizeArgs,
} from "../pipelines/pipelineArgs";
import { TASK_TYPE } from "../pipelines/pipelineTable";
import { CommandId } from "./commandIds";
import type { CommandSpec } from "./commands";
import type { StepLensContext } from "./context";
import { type PipelineRun, runPipeline } from "./pipelineTasks";

const STATE = {
  exportInput: "steplens.pipelines.export.input",
  exportFormat: "steplens.pipelines.export.format",
  exportOptions: "steplens.pipelines.export.options",
  exportOutDir: "steplens.pipelines.export.outDir",
  synthProblems: "steplens.pipelines.synthesize.problems",
  synthSolutions: "steplens.pipelines.synthesize.solutions",
} as const;

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file");
  if (folders.length === 0) {
    void vscode.window.showErrorMessage("StepLens: open a folder first: pipelines run in a workspace folder on disk.");
    return undefined;
  }
  if (folders.length === 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: "StepLens: which workspace folder does the job run in?" });
}

function isSynthesisDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, "manifest.json")) || fs.existsSync(path.join(dir, "solutions.jsonl"));
}

// ---------------------------------------------------------------- export

export interface ExportCommandArgs extends Partial<ExportChoices> {
  input?: string;
}

export interface ExportCommandResult extends PipelineRun {
  files: string[];
}

async function pickExportInput(ctx: StepLensContext, folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  const last = ctx.extension.workspaceState.get<string>(STATE.exportInput);
  const items: (vscode.QuickPickItem & { value?: string })[] = [];
  const seen = new Set<string>();
  const add = (p: string, description: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    items.push({ label: path.basename(p), description, detail: path.relative(folder.uri.fsPath, p) || p, value: p });
  };
  if (last && fs.existsSync(last)) add(last, "last used");
  for (const m of await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/manifest.json"), "**/node_modules/**", 20))
    add(path.dirname(m.fsPath), "synthesis folder");
  for (const d of ctx.datasets.list()) add(d.file, `open dataset (${d.index.detected.format})`);
  items.push({ label: "$(folder-opened) Browse…", description: "a synthesis folder, a dataset or scored JSONL" });
  const pick = await vscode.window.showQuickPick(items, { title: "StepLens: Export Training Data (1/4): from what?", ignoreFocusOut: true });
  if (!pick) return undefined;
  if (pick.value) return pick.value;
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: folder.uri,
    title: "StepLens: a synthesis folder, a dataset or scored JSONL",
  });
  return uris?.[0]?.fsPath;
}

/** A command's argument: its options object, a file from the explorer (as `fileKey`), or none. */
function commandArgs<T extends object>(arg: unknown, fileKey: keyof T & string): T {
  if (arg instanceof vscode.Uri) return { [fileKey]: arg.fsPath } as T;
  return arg && typeof arg === "object" ? (arg as T) : ({} as T);
}

export async function exportTrainingData(ctx: StepLensContext, arg?: unknown): Promise<ExportCommandResult | undefined> {
  const given = commandArgs<ExportCommandArgs>(arg, "input");
  const folder = await pickFolder();
  if (!folder) return undefined;
  const state = ctx.extension.workspaceState;
  const input = given.input ? path.resolve(folder.uri.fsPath, given.input) : await pickExportInput(ctx, folder);
  if (!input) return undefined;
  await state.update(STATE.exportInput, input);

  let format = given.format;
  if (!format) {
    const last = state.get<string>(STATE.exportFormat) ?? "trl-prm";
    const items = [...EDITOR_EXPORT_FORMATS]
      .sort((a, b) => Number(b.name === last) - Number(a.name === last))
      .map((f) => ({ label: f.name, detail: f.detail }));
    format = (await vscode.window.showQuickPick(items, { title: "StepLens: Export Training Data (2/4): format", ignoreFocusOut: true }))?.label;
    if (!format) return undefined;
  }
  await state.update(STATE.exportFormat, format);

  const labelsFile = path.join(folder.uri.fsPath, LABELS_FILE);
  const choices: ExportChoices = {
    input,
    format,
    out: given.out ?? "",
    labels: given.labels,
    dataset: given.dataset,
    balance: given.balance,
    dropUnanimous: given.dropUnanimous,
    splitRatio: given.splitRatio,
  };
  if (!given.out) {
    const remembered = state.get<string[]>(STATE.exportOptions) ?? (isSynthesisDir(input) ? ["dropUnanimous"] : []);
    const options: (vscode.QuickPickItem & { key: string })[] = [
      { key: "dropUnanimous", label: "Drop problems whose solutions all agree", description: "--drop-unanimous (as SPARK does)" },
      { key: "balance", label: "Balance correct and incorrect solutions per problem", description: "--balance" },
      { key: "split", label: "Split into train and test files (95% / 5%)", description: "--split-ratio 0.95" },
    ];
    if (fs.existsSync(labelsFile)) options.push({ key: "labels", label: "Let my human labels override the model's", description: `--labels ${LABELS_FILE}` });
    for (const o of options) o.picked = remembered.includes(o.key);
    const picked = await vscode.window.showQuickPick(options, {
      title: "StepLens: Export Training Data (3/4): options",
      canPickMany: true,
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    const keys = picked.map((p) => p.key);
    await state.update(STATE.exportOptions, keys);
    choices.dropUnanimous = keys.includes("dropUnanimous");
    choices.balance = keys.includes("balance");
    if (keys.includes("split")) choices.splitRatio = 0.95;
    if (keys.includes("labels")) choices.labels = labelsFile;

    const outDir = state.get<string>(STATE.exportOutDir) ?? path.join(folder.uri.fsPath, "export");
    const stem = path.basename(input).replace(/\.(jsonl|json|ndjson)$/i, "");
    const saved = await vscode.window.showSaveDialog({
      title: "StepLens: Export Training Data (4/4): output file",
      defaultUri: vscode.Uri.file(path.join(outDir, `${stem}.${format}${exportExtension(format)}`)),
      filters: format === "verl-parquet" ? { Parquet: ["parquet"] } : { "JSON Lines": ["jsonl"] },
    });
    if (!saved) return undefined;
    choices.out = saved.fsPath;
    await state.update(STATE.exportOutDir, path.dirname(saved.fsPath));
  }
  if (!choices.out) throw new Error("Export Training Data needs an output file.");

  const rel = (p: string) => {
    const r = path.relative(folder.uri.fsPath, p);
    return r && !r.startsWith("..") && !path.isAbsolute(r) ? r.split(path.sep).join("/") : p;
  };
  const args = exportArgs({
    ...choices,
    input: rel(choices.input),
    out: rel(choices.out),
    labels: choices.labels ? rel(choices.labels) : undefined,
    dataset: choices.dataset ? rel(choices.dataset) : undefined,
  });
  const run = await runPipeline(ctx, { type: TASK_TYPE, pipeline: "export", args }, folder);
  const files = exportOutputs(args, folder.uri.fsPath).filter((f) => fs.existsSync(f)); // an empty parquet split is not written
  if (run.exitCode === 0) {
    const first = files[0];
    void vscode.window
      .showInformationMessage(`StepLens: exported ${format} to ${files.map((f) => path.basename(f)).join(" and ")}.`, "Open", "Reveal")
      .then(async (choice) => {
        if (!first) return;
        if (choice === "Open") {
          if (first.endsWith(".parquet")) await vscode.commands.executeCommand("vscode.open", vscode.Uri.file(first));
          else await vscode.window.showTextDocument(vscode.Uri.file(first), { preview: false });
        } else if (choice === "Reveal") {
          await vscode.commands.executeCommand("revealInExplorer", vscode.Uri.file(first));
        }
      });
  } else {
    void vscode.window.showErrorMessage(`StepLens: the export ended with exit code ${run.exitCode ?? "none"}; the terminal '${run.task.name}' says why.`);
  }
  return { ...run, files };
}

// ---------------------------------------------------------------- synthesize

export interface SynthesizeCommandArgs extends Partial<SynthesizeChoices> {
  problems?: string;
}

/** Models per role from the settings: the endpoint when the engine is `openai`, else the local models. */
function modelsFromSettings(ctx: StepLensContext): Pick<SynthesizeChoices, "generator" | "verifier"> | string {
  const c = ctx.configuration.current;
  if (c.engine.kind === "openai") {
    if (!c.openai.model) return "set steplens.openai.model (the model name on the endpoint) first.";
    return { generator: { endpoint: c.openai.baseUrl, apiModel: c.openai.model }, verifier: { endpoint: c.openai.baseUrl, apiModel: c.openai.model } };
  }
  const generator = c.models.generator || c.models.verifier;
  const verifier = c.models.verifier || c.models.generator;
  if (!generator || !verifier)
    return "choose a generator and a verifier model first (StepLens: Choose Model…), or use an endpoint (steplens.engine.kind: openai).";
  return { generator: { model: generator }, verifier: { model: verifier } };
}

export async function synthesizeTrainingData(ctx: StepLensContext, arg?: unknown): Promise<PipelineRun | undefined> {
  const given = commandArgs<SynthesizeCommandArgs>(arg, "problems");
  const folder = await pickFolder();
  if (!folder) return undefined;
  const state = ctx.extension.workspaceState;
  const c = ctx.configuration.current;

  let problems = given.problems ? path.resolve(folder.uri.fsPath, given.problems) : undefined;
  if (!problems) {
    const last = state.get<string>(STATE.synthProblems);
    const uris = await vscode.window.showOpenDialog({
      title: "StepLens: Synthesize Training Data (1/3): problems (JSONL, or any dataset StepLens reads)",
      canSelectMany: false,
      defaultUri: last ? vscode.Uri.file(last) : folder.uri,
      filters: { "Problems (JSON, JSONL)": ["jsonl", "json", "ndjson"], "All files": ["*"] },
    });
    problems = uris?.[0]?.fsPath;
    if (!problems) return undefined;
  }
  await state.update(STATE.synthProblems, problems);

  let solutions = given.solutions;
  if (solutions === undefined) {
    const last = state.get<number>(STATE.synthSolutions) ?? 8;
    const pick = await vscode.window.showQuickPick(
      [4, 8, 16, 20]
        .map((n) => ({ label: String(n), description: n === last ? "last used" : n === 20 ? "SPARK's public code" : undefined, n }))
        .sort((a, b) => Number(b.n === last) - Number(a.n === last)),
      {
        title: `StepLens: Synthesize Training Data (2/3): solutions per problem (each verified ${c.verify.samples} times: steplens.verify.samples)`,
        ignoreFocusOut: true,
      },
    );
    if (!pick) return undefined;
    solutions = pick.n;
  }
  await state.update(STATE.synthSolutions, solutions);

  let out = given.out;
  if (!out) {
    const stem = path.basename(problems).replace(/\.(jsonl|json|ndjson)$/i, "");
    out = await vscode.window.showInputBox({
      title: "StepLens: Synthesize Training Data (3/3): output folder (an existing one is resumed)",
      value: path.posix.join("steplens-runs", stem),
      validateInput: (v) => (v.trim() ? undefined : "a folder, relative to the workspace folder"),
      ignoreFocusOut: true,
    });
    if (!out) return undefined;
  }

  const models: Pick<SynthesizeChoices, "generator" | "verifier"> | string =
    given.generator && given.verifier ? { generator: given.generator, verifier: given.verifier } : modelsFromSettings(ctx);
  if (typeof models === "string") {
    const choose = "Choose Model…";
    if ((await vscode.window.showErrorMessage(`StepLens: to synthesize, ${models}`, choose)) === choose)
      await vscode.commands.executeCommand(CommandId.chooseModel, "generator");
    return undefined;
  }
  const outAbs = path.resolve(folder.uri.fsPath, out);
  const resume = given.resume ?? true; // a new folder starts a run; an existing one (or this task run again) is resumed
  const rel = (p: string) => {
    const r = path.relative(folder.uri.fsPath, p);
    return r && !r.startsWith("..") && !path.isAbsolute(r) ? r.split(path.sep).join("/") : p;
  };
  const args = synthesizeArgs({
    problems: rel(problems),
    out: rel(outAbs),
    solutions,
    verifications: given.verifications ?? c.verify.samples,
    aggregate: given.aggregate ?? c.verify.aggregate,
    tau: given.tau ?? c.verify.tau,
    metaCritique: given.metaCritique ?? c.verify.metaCritique,
    ...models,
    local: { contextSize: c.local.contextSize, maxThreads: c.local.maxThreads, gpu: c.local.gpu },
    constrained: c.verify.constrained,
    resume,
  });
  const run = await runPipeline(ctx, { type: TASK_TYPE, pipeline: "synthesize", args }, folder);
  if (run.exitCode === 0) {
    void vscode.window.showInformationMessage(`StepLens: synthesis finished in ${rel(outAbs)}.`, "Export…", "Open in Datasets").then(async (choice) => {
      if (choice === "Export…") await vscode.commands.executeCommand(CommandId.exportTrainingData, { input: outAbs });
      else if (choice === "Open in Datasets") await vscode.commands.executeCommand(CommandId.openDataset, vscode.Uri.file(outAbs));
    });
  } else if (run.exitCode !== undefined) {
    void vscode.window.showWarningMessage(`StepLens: the synthesis stopped (exit code ${run.exitCode}); run the command again on the same folder to resume.`);
  }
  return run;
}

/** The two commands, registered from the command table like the others (features.ts). */
export const PIPELINE_COMMANDS: readonly CommandSpec[] = [
  {
    id: CommandId.synthesizeTrainingData,
    trustedAction: "run a synthesis (it runs models and the steplens CLI)",
    run: (ctx, arg) => synthesizeTrainingData(ctx, arg),
  },
  { id: CommandId.exportTrainingData, trustedAction: "export training data (it runs the steplens CLI)", run: (ctx, arg) => exportTrainingData(ctx, arg) },
];
