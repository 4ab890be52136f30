// End-to-end check of the reward log in the browser workbench (run by test/runner/run-e2e.mjs against
// the installed .vsix): "StepLens: Start Reward Server" with `steplens.rewards.logFile` set starts
// `steplens serve --reward-log` with the demo model (RANDOM WEIGHTS: the values test what the user
// sees, never whether a reward is right); a scripted reward client (this file, standing in for a
// trainer: the TRL smoke run was not available to drive it) sends rollouts for six trainer steps; the
// rollouts arrive in the StepLens Datasets view while they are written, one opens as a document with
// its gate reasons as problems, and the run dashboard is drawn (screenshot: run-dashboard). The server
// stays up for test/e2e/trl.e2e.mjs (the real TRL smoke run from "Start RL Training…") and
// trlRewardLog.e2e.mjs (its rollouts in the log); `--only "RL ·"` runs the three.
import fs from "node:fs";
import path from "node:path";
import { freePort, healthStatus, shotWholeWindow, waitForRewardPoints, webview, writeWorkspaceSettings } from "./support.mjs";

const LOG = "rl-runs/rewards.jsonl";
const GOOD = (i) => `Step 1: Let x be ${i}.\nStep 2: Then 2x = ${2 * i}.\nStep 3: So x = ${i}.\n<answer>\\boxed{${i}}</answer>`;
const GATED = (i) => `Step 1: x = \\boxed{${i}}\nStep 2: or maybe \\boxed{${i + 1}}`;
const PADDED = (i, k) =>
  `${Array.from({ length: 3 + k }, (_, j) => `Step ${j + 1}: ${"and so on ".repeat(k + 1)}${j}.`).join("\n")}\n<answer>\\boxed{${i}}</answer>`;

let port;

export const checks = [
  {
    name: "RL · reward log · Start Reward Server with a reward log; a scripted trainer's rollouts arrive in the Datasets view as they are written",
    timeoutMs: 240_000,
    async run(ctx) {
      port = await freePort();
      const settingsChanges = ctx.countInLog(/settings changed: .*steplens\.rewards\.serverPort/g);
      writeWorkspaceSettings(ctx, { "steplens.rewards.logFile": LOG, "steplens.rewards.serverPort": port });
      await ctx.useDemoModel();
      // The server is started with the port and the log file of the workspace settings: once StepLens has read them.
      await ctx.waitForLog("the new reward server settings read by StepLens", /settings changed: .*steplens\.rewards\.serverPort/g, settingsChanges, 30_000);
      await ctx.runCommand("StepLens: Start Reward Server");
      const url = `http://127.0.0.1:${port}`;
      await ctx.waitUntil(
        "the reward server's /health",
        () => healthStatus(url),
        (s) => s === 200,
        150_000,
      );
      await ctx.runCommand("View: Show StepLens");
      await ctx.collapseTrees("rewards.jsonl");
      const row = ctx.page.locator(".pane-body .monaco-list-row", { hasText: "rewards.jsonl" });
      await ctx.expectVisible(row, "the reward log in the Datasets view", 30_000);
      // The scripted trainer: six steps of 8 rollouts, longer (padded) ones as the steps go on.
      let sent = 0;
      for (let step = 1; step <= 6; step++) {
        const items = Array.from({ length: 8 }, (_, i) => ({
          prompt: `Problem ${i % 4}: solve 2x = ${2 * i}.`,
          response: i % 4 === 3 ? GATED(i) : i % 2 ? PADDED(i, step) : GOOD(i),
        }));
        const res = await fetch(`${url}/v1/reward`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-StepLens-Client": "e2e-trainer" },
          body: JSON.stringify({ trainer_step: step, items }),
          signal: AbortSignal.timeout(60_000),
        });
        if (res.status !== 200) throw new Error(`/v1/reward answered ${res.status}: ${await res.text()}`);
        sent += items.length;
        // The tree follows the file: its row's description counts the rollouts written so far.
        await ctx.waitUntil(
          `${sent} rollouts in the Datasets view`,
          () => ctx.text(row),
          (t) => typeof t === "string" && t.includes(`${sent} rollouts`),
          20_000,
        );
      }
      const lines = fs.readFileSync(path.join(ctx.workspace, LOG), "utf8").trim().split("\n");
      if (lines.length !== sent) throw new Error(`the log holds ${lines.length} lines, ${sent} rollouts were sent`);
      await ctx.shot("datasets-view");
    },
  },
  {
    name: "RL · reward log · a gated rollout opens as a document with its gate reasons in the Problems panel",
    timeoutMs: 120_000,
    async run(ctx) {
      const rollout = ctx.page.locator(".pane-body .monaco-list-row", { hasText: "Problem 3: solve" }).first();
      await ctx.expectVisible(rollout, "a gated rollout in the tree", 20_000);
      await rollout.click();
      await ctx.waitUntil(
        "the rollout document",
        () => ctx.editorLines(),
        (l) => Array.isArray(l) && l.some((x) => x.startsWith("Gate: FAILED")),
        20_000,
      );
      await ctx.runCommand("View: Focus Problems (Errors, Warnings, Infos)");
      const problem = ctx.page.locator(".markers-panel .monaco-list-row", { hasText: "Gate boxed-count" });
      await ctx.expectVisible(problem, "the gate's boxed-count reason in the Problems panel", 20_000);
      await ctx.shot("rollout");
    },
  },
  {
    name: "RL · reward log · the run dashboard draws reward, gating, steps and length over trainer steps and the per-position scores",
    timeoutMs: 120_000,
    async run(ctx) {
      await ctx.runCommand("View: Close All Editors");
      await ctx.runCommand("StepLens: Open Run Dashboard");
      const frame = webview(ctx);
      await waitForRewardPoints(ctx, frame, 6, "six reward points");
      for (const id of ["chart-gated", "chart-steps", "chart-length", "chart-positions"])
        if ((await frame.locator(`#${id}`).count()) !== 1) throw new Error(`the dashboard has no #${id}`);
      const summary = await frame.locator(".summary").innerText();
      if (!/48 rollouts · 6 points on trainer step/.test(summary)) throw new Error(`dashboard summary: ${summary}`);
      // The whole window for the charts: no panel, no side bar.
      const file = await shotWholeWindow(ctx, frame, "run-dashboard");
      if (process.env.STEPLENS_UPDATE_SCREENSHOTS === "1" && file)
        fs.copyFileSync(file, path.resolve(import.meta.dirname, "../../media/screenshot-run-dashboard.png"));
      // The server keeps running: test/e2e/trl.e2e.mjs trains against it, trlRewardLog.e2e.mjs reads its log.
    },
  },
];
