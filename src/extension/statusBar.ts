/**
 * The status bar item: the engine and its device (CUDA / Vulkan / Metal / CPU, or the endpoint), the
 * PRM model and which models are loaded, queued work; "restricted" in an untrusted workspace and
 * "no model" when none is set. A click runs "StepLens: Show Status" (details and settings).
 */
import path from "node:path";
import * as vscode from "vscode";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";
import type { EngineSnapshot } from "./engineHost";

const DEVICE_NAMES: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal", cpu: "CPU" };

export const STATUS_ITEM_ID = "steplens.status";

function modelName(spec: string | undefined): string {
  if (!spec) return "";
  const base = path.basename(spec);
  return base.length > 32 ? `${base.slice(0, 31)}…` : base;
}

function deviceName(s: EngineSnapshot): string {
  if (s.engineKind === "openai") return "endpoint";
  return DEVICE_NAMES[s.device] ?? (s.device || "local");
}

/** The item's text (codicons included) for a snapshot and the queue length. */
export function statusText(s: EngineSnapshot, queued: number): string {
  const queue = queued > 0 ? ` · $(sync~spin) ${queued} queued` : "";
  switch (s.status.kind) {
    case "restricted":
      return "$(shield) StepLens: restricted";
    case "unconfigured":
      return "$(circle-slash) StepLens: no model";
    case "failed":
      return "$(error) StepLens: engine failed";
    case "starting":
      return `$(loading~spin) StepLens: starting ${s.engineKind === "openai" ? "endpoint" : "local engine"}${queue}`;
    default: {
      const device = s.status.kind === "ready" ? ` · ${deviceName(s)}` : "";
      const demo = s.demo ? " (demo)" : "";
      return `$(pulse) StepLens${device} · ${modelName(s.models.prm)}${demo}${queue}`;
    }
  }
}

/** The item's tooltip: everything the status knows, in plain Markdown (no commands). */
export function statusTooltip(s: EngineSnapshot, queued: number): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown("**StepLens**\n\n");
  const line = (label: string, value: string) => {
    md.appendMarkdown(`${label}: `);
    md.appendText(value);
    md.appendMarkdown("  \n");
  };
  if (s.status.kind === "restricted" || s.status.kind === "unconfigured") line("Status", s.status.reason);
  else if (s.status.kind === "failed") line("Engine failed", s.status.error);
  else
    line(
      "Engine",
      `${s.engineKind === "openai" ? "OpenAI-compatible endpoint" : "local (node-llama-cpp)"}${s.status.kind === "ready" ? ` on ${deviceName(s)}` : " (starts on first use)"}`,
    );
  if (s.engineKind === "openai" && s.device) line("Endpoint", s.device);
  for (const [role, spec] of Object.entries(s.models))
    line(role.toUpperCase() === "PRM" ? "PRM" : role[0]!.toUpperCase() + role.slice(1), `${spec}${s.loaded.includes(role as never) ? " (loaded)" : ""}`);
  if (s.demo) md.appendMarkdown("\n*demo: scores are meaningless (random weights)*  \n");
  line("Queued", String(queued));
  md.appendMarkdown("\nClick for details and settings.");
  return md;
}

export function registerStatusBar(ctx: StepLensContext): vscode.Disposable {
  const item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);
  item.name = "StepLens";
  item.command = CommandId.showStatus;
  let visible = false;
  const update = () => {
    const s = ctx.engines.snapshot();
    const queued = Math.max(ctx.annotations.queueLength, s.queued);
    item.text = statusText(s, queued);
    item.tooltip = statusTooltip(s, queued);
    item.backgroundColor =
      s.status.kind === "failed"
        ? new vscode.ThemeColor("statusBarItem.errorBackground")
        : s.status.kind === "restricted"
          ? new vscode.ThemeColor("statusBarItem.warningBackground")
          : undefined;
    // Shown while a trace is open (or once anything ran), so it never clutters unrelated work.
    const show = visible || ctx.traces.traceDocuments().length > 0 || queued > 0;
    if (show) {
      visible = true;
      item.show();
    }
  };
  update();
  return vscode.Disposable.from(
    item,
    ctx.engines.onDidChange(update),
    ctx.annotations.onDidChangeQueue(update),
    ctx.traces.onDidChange(update),
    ctx.configuration.onDidChange(update),
    vscode.workspace.onDidGrantWorkspaceTrust(update),
  );
}

interface StatusPick extends vscode.QuickPickItem {
  run?: () => unknown;
}

/** "StepLens: Show Status": engine, device, models, queue and cache, with the actions and settings that change them. */
export async function showStatus(ctx: StepLensContext): Promise<void> {
  const s = ctx.engines.snapshot();
  const queued = Math.max(ctx.annotations.queueLength, s.queued);
  const cache = ctx.annotations.cacheStats();
  const info = (label: string, detail: string): StatusPick => ({ label, description: detail });
  const items: StatusPick[] = [{ label: "Status", kind: vscode.QuickPickItemKind.Separator }];
  if (s.status.kind === "restricted" || s.status.kind === "unconfigured") items.push(info("$(info) Status", s.status.reason));
  else if (s.status.kind === "failed") items.push(info("$(error) Engine failed", s.status.error));
  else
    items.push(
      info(
        "$(server-process) Engine",
        `${s.engineKind === "openai" ? `endpoint ${s.device}` : "local (node-llama-cpp)"}${s.status.kind === "ready" ? ` · ${deviceName(s)}` : " · starts on first use"}`,
      ),
    );
  for (const [role, spec] of Object.entries(s.models))
    items.push(info(`$(file-binary) ${role}`, `${spec}${s.loaded.includes(role as never) ? " · loaded" : ""}`));
  if (s.demo) items.push(info("$(beaker) demo model", "random weights: scores are meaningless"));
  items.push(info("$(list-ordered) Queued", `${queued} scoring request${queued === 1 ? "" : "s"}`));
  items.push(info("$(database) Cached results", `${cache.entries} in workspace storage (${(cache.bytes / 1024).toFixed(0)} KB)`));
  items.push({ label: "Actions", kind: vscode.QuickPickItemKind.Separator });
  const action = (label: string, run: () => unknown, detail?: string): StatusPick => ({ label, detail, run });
  if (s.status.kind === "restricted") items.push(action("$(shield) Manage Workspace Trust…", () => vscode.commands.executeCommand("workbench.trust.manage")));
  items.push(action("$(file-binary) Choose Model…", () => vscode.commands.executeCommand(CommandId.chooseModel, "prm")));
  items.push(
    action(
      "$(beaker) Use Demo Model",
      () => vscode.commands.executeCommand(CommandId.useDemoModel),
      "Random weights, generated here: shows how StepLens works; scores are meaningless.",
    ),
  );
  items.push(action("$(cloud-download) Download Model…", () => vscode.commands.executeCommand(CommandId.downloadModel)));
  if (s.engineKind === "openai") items.push(action("$(key) Set API Key…", () => vscode.commands.executeCommand(CommandId.setApiKey)));
  items.push(
    action("$(settings-gear) Open StepLens Settings", () => vscode.commands.executeCommand("workbench.action.openSettings", "@ext:steplens.steplens")),
  );
  items.push(action("$(output) Show Output", () => ctx.log.show(true)));
  items.push(action("$(trash) Clear Cached Results", () => vscode.commands.executeCommand(CommandId.clearCache)));
  const pick = await vscode.window.showQuickPick(items, { title: "StepLens", placeHolder: "Engine, models and queue; pick an action" });
  await pick?.run?.();
}
