// End-to-end: the TRL smoke run's rollouts in the reward log (runs after test/e2e/trl.e2e.mjs, which
// starts the real TRL smoke run from "StepLens: Start RL Training…" against the reward server that
// test/e2e/rewardLog.e2e.mjs started with `steplens.rewards.logFile` set; run the three together with
// `--only "RL ·"`). TRL's GRPOTrainer hands the generated reward.py its trainer_state; reward.py sends
// global_step: the rollouts arrive in the Datasets view with their trainer steps, one opens as a
// document, and the run dashboard is drawn (screenshot: trl-run-dashboard). The policy and the judge
// have RANDOM WEIGHTS: the values test the plumbing the user sees, never judgement.
import fs from "node:fs";
import path from "node:path";
import { shotWholeWindow, waitForRewardPoints, webview } from "./support.mjs";

const LOG = "rl-runs/rewards.jsonl";
/** Prompts of test/e2e/trl.e2e.mjs's run. */
const TRL_PROMPT = "Solve 2x + 3 = 7 for x.";

export const checks = [
  {
    name: "RL · reward log: the TRL smoke run's rollouts arrive in the Datasets view with TRL's trainer steps; one opens; the run dashboard",
    timeoutMs: 180_000,
    async run(ctx) {
      const file = path.join(ctx.workspace, LOG);
      if (!fs.existsSync(file)) throw new Error(`${LOG} is missing: the reward-log checks start the reward server with it (run with --only "RL ·")`);
      const lines = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const trl = lines.filter((l) => l.route === "/v1/reward" && l.client !== "client:e2e-trainer");
      // 2 GRPO steps of 8 completions (2 prompts × 4 generations), each rewarded.
      if (trl.length < 8) throw new Error(`the log holds ${trl.length} rollouts from the TRL run, expected at least 8`);
      // global_step while a step's rollouts are rewarded: 0 for the first step, 1 for the second.
      const steps = [...new Set(trl.map((l) => l.trainerStep))].sort();
      if (!steps.length || !steps.every((s) => s === 0 || s === 1))
        throw new Error(`TRL's trainer steps in the log: ${JSON.stringify(steps)} (expected 0 and 1)`);
      if (!trl.some((l) => l.prompt.includes(TRL_PROMPT))) throw new Error(`no TRL rollout for "${TRL_PROMPT}": ${trl[0]?.prompt}`);

      // The tree lists them (newest first): the row of a TRL rollout, opened as a document.
      await ctx.runCommand("View: Show StepLens");
      await ctx.collapseTrees("rewards.jsonl");
      const total = lines.length;
      const row = ctx.page.locator(".pane-body .monaco-list-row", { hasText: "rewards.jsonl" });
      await ctx.waitUntil(
        `${total} rollouts in the Datasets view`,
        () => ctx.text(row),
        (t) => typeof t === "string" && t.includes(`${total} rollouts`),
        30_000,
      );
      const rollout = ctx.page.locator(".pane-body .monaco-list-row", { hasText: TRL_PROMPT }).first();
      await ctx.expectVisible(rollout, "a TRL rollout in the tree", 20_000);
      await rollout.click();
      await ctx.waitUntil(
        "the TRL rollout's document with its trainer step",
        () => ctx.editorLines(),
        (l) => Array.isArray(l) && l.some((x) => /^Trainer step: [01] · client:/.test(x)),
        20_000,
      );
      await ctx.shot("trl-rollout");

      // The dashboard over the whole log (the scripted steps 1–6 and TRL's 0–1).
      await ctx.runCommand("View: Close All Editors");
      await ctx.runCommand("StepLens: Open Run Dashboard");
      const frame = webview(ctx);
      await waitForRewardPoints(ctx, frame, 7, "the reward chart with TRL's step 0");
      await shotWholeWindow(ctx, frame, "trl-run-dashboard");
      await ctx.runCommand("Tasks: Terminate Task").catch(() => {});
      await ctx.page.keyboard.press("Enter").catch(() => {});
    },
  },
];
