/** The features the extension starts, in order. Each returns the disposable that stops it. */
import type * as vscode from "vscode";
import { registerActiveTraceContext } from "./activeTraceContext";
import { registerCodeActions } from "./codeActions";
import { registerCodeLens } from "./codeLens";
import { registerCommands } from "./commands";
import type { StepLensContext } from "./context";
import { registerWebviewSerializers } from "./dashboardPanel";
import { registerDatasetView } from "./datasetTree";
import { registerDecorations } from "./decorations";
import { registerDiagnostics } from "./diagnostics";
import { registerDocumentSymbols } from "./documentSymbols";
import { registerFolding } from "./folding";
import { registerHover } from "./hoverProvider";
import { registerProgress } from "./progressService";
import { PIPELINE_COMMANDS } from "./pipelineCommands";
import { registerTaskProvider } from "./pipelineTasks";
import { registerRewardLogs } from "./rewardLogCommands";
import { REWARD_COMMANDS, registerRewardServerStatus } from "./rewardServer";
import { registerStatusBar } from "./statusBar";

export const FEATURES: readonly { name: string; start(ctx: StepLensContext): vscode.Disposable }[] = [
  { name: "document symbols", start: registerDocumentSymbols },
  { name: "folding", start: registerFolding },
  { name: "active trace context key", start: registerActiveTraceContext },
  { name: "hover", start: registerHover },
  { name: "diagnostics", start: registerDiagnostics },
  { name: "decorations", start: registerDecorations },
  { name: "code lenses", start: registerCodeLens },
  { name: "progress", start: registerProgress },
  { name: "label code actions", start: registerCodeActions },
  { name: "status bar", start: registerStatusBar },
  { name: "datasets view", start: registerDatasetView },
  { name: "commands", start: (ctx) => registerCommands(ctx) },
  { name: "pipeline commands", start: (ctx) => registerCommands(ctx, PIPELINE_COMMANDS) },
  { name: "task provider", start: registerTaskProvider },
  { name: "reward and RL commands", start: (ctx) => registerCommands(ctx, REWARD_COMMANDS) },
  { name: "reward server status", start: registerRewardServerStatus },
  { name: "reward logs", start: registerRewardLogs },
  { name: "webview panel serializers", start: registerWebviewSerializers },
];

export function startFeatures(ctx: StepLensContext): void {
  for (const feature of FEATURES) ctx.own(feature.start(ctx));
}
