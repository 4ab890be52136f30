/**
 * The run dashboard of a reward log ("StepLens: Open Run Dashboard" on a reward log in the Datasets
 * view): a webview with the charts of src/inspector/runDashboardSvg.ts, drawn on the host from the
 * log's index and redrawn (at most every 2 s) while the log grows. Strict CSP: `default-src 'none'`,
 * one nonce'd script (it only posts the index of a clicked point), the stylesheet from media/. The
 * webview never gets a rollout's text. Clicking a point filters the log in the Datasets view to that
 * point's rollouts and lists them in a quick pick; picking one opens it.
 */
import crypto from "node:crypto";
import path from "node:path";
import * as vscode from "vscode";
import { runDashboardModel, type RunDashboardModel } from "../datasets/rewardLogDashboard";
import { runDashboardMarkup } from "../inspector/runDashboardSvg";
import { DATASETS_VIEW } from "./commandIds";
import type { OpenRewardLog, RewardLogViews } from "./rewardLogs";
import type { RolloutDocuments } from "./rolloutDocuments";

export const RUN_DASHBOARD_VIEW_TYPE = "steplens.runDashboard";
const REDRAW_MS = 2000;

export class RunDashboardPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private log: OpenRewardLog | undefined;
  private model: RunDashboardModel | undefined;
  private redrawTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Times drawn (tests read it), and the model last drawn. */
  draws = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly views: RewardLogViews,
    private readonly rollouts: RolloutDocuments,
  ) {
    this.subscriptions.push(
      views.onDidGrow((log) => {
        if (this.panel && log === this.log) this.redrawTimer ??= setTimeout(() => ((this.redrawTimer = undefined), this.draw()), REDRAW_MS);
      }),
    );
  }

  get lastModel(): RunDashboardModel | undefined {
    return this.model;
  }

  show(log: OpenRewardLog): void {
    this.log = log;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(RUN_DASHBOARD_VIEW_TYPE, "Run Dashboard", vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media")],
      });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.log = undefined;
      });
      this.panel.webview.onDidReceiveMessage((m: unknown) => void this.clicked(m));
    }
    this.panel.title = `Run: ${path.basename(log.file)}`;
    this.draw();
    this.panel.reveal();
  }

  private draw(): void {
    if (!this.panel || !this.log) return;
    this.model = runDashboardModel(this.log.index);
    this.draws++;
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString("base64");
    const css = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "media", "run-dashboard.css"));
    const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join("; ");
    webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${css.toString()}">
<title>Run Dashboard</title></head>
<body><main>${runDashboardMarkup(this.model)}</main>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.addEventListener("click", (e) => {
  const t = e.target instanceof Element ? e.target.closest("[data-point]") : null;
  if (!t) return;
  vscode.postMessage({ type: "point", index: Number(t.getAttribute("data-point")), code: t.getAttribute("data-code") });
});
</script></body></html>`;
  }

  /** A point was clicked: filter the tree to its rollouts and list them. */
  async clicked(message: unknown): Promise<void> {
    const m = message as { type?: unknown; index?: unknown; code?: unknown } | null;
    if (!m || m.type !== "point" || !Number.isInteger(m.index) || !this.model || !this.log) return;
    const point = this.model.points[m.index as number];
    if (!point) return;
    const code = typeof m.code === "string" && this.model.codes.includes(m.code) ? m.code : undefined;
    const filter = { ...point.filter, ...(code ? { gate: code } : {}) };
    const log = this.log;
    this.views.setFilter(log, filter);
    void vscode.commands.executeCommand(`${DATASETS_VIEW}.focus`);
    const records = log.index.filter(filter, log.sort).slice(0, 500);
    const pick = await vscode.window.showQuickPick(
      Array.from(records, (r) => {
        const s = log.index.summary(r);
        return {
          label: `${Number.isFinite(s.reward) ? s.reward.toFixed(3) : "—"}  ${s.prompt.replace(/\s+/g, " ").slice(0, 90)}`,
          description: `${s.trainerStep === null ? "" : `step ${s.trainerStep} · `}${s.passed ? "gate passed" : `gated: ${s.codes.join(", ")}`}`,
          ref: { log: log.file, record: r, id: s.id },
        };
      }),
      {
        title: `${records.length} rollouts of ${point.x === point.xEnd ? point.x : `${point.x}–${point.xEnd}`}${code ? ` gated by ${code}` : ""}`,
        matchOnDescription: true,
      },
    );
    if (pick) await this.rollouts.open(pick.ref);
  }

  dispose(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    for (const s of this.subscriptions) s.dispose();
    this.panel?.dispose();
  }
}
