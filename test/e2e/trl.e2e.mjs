// End-to-end check of RL in the browser workbench (run by test/runner/run-e2e.mjs against the
// installed .vsix): "StepLens: Start RL Training…" on a TRL run folder runs the real TRL smoke run in
// an integrated terminal — `steplens rl launch` checks the prerequisites, then accelerate runs
// train_grpo.py: 2 GRPO steps of a tiny RANDOM-WEIGHT Qwen2 made on the spot (test/python/trl_smoke.py),
// 2 prompts x 4 generations on the CPU, rewards from the reward server the editor started with the demo
// model (random weights too: the values test the plumbing the user sees, never judgement). The run
// folder is written first with `steplens rl init --engine trl --cpu` and the smoke sizes (an existing
// folder is what the command reuses). Screenshot: trl-smoke-run (the terminal's step lines with their
// rewards). Needs the Python test environment (.test-env/py: the check puts it on the terminal's PATH
// with terminal.integrated.env.linux, as a user would).
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../runner/code-server.mjs";
import { freePort, healthStatus } from "./support.mjs";

const PYTHON = path.join(REPO_ROOT, ".test-env", "py", "bin", "python");
const RUN = "rl-runs/trl-smoke";

function readSettings(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return {};
  }
}

export const checks = [
  {
    name: "RL · Start RL Training… runs the TRL smoke run in a terminal: 2 GRPO steps with their rewards",
    timeoutMs: 540_000,
    async run(ctx) {
      if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the Python test environment (test/runner/setup-test-env.sh) must be built first`);
      // The reward server: the one a check before this started, or one on a free port.
      const settingsFile = path.join(ctx.workspace, ".vscode", "settings.json");
      fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
      const settings = readSettings(settingsFile);
      const newPort = settings["steplens.rewards.serverPort"] === undefined;
      settings["steplens.rewards.serverPort"] ??= await freePort();
      const portChanges = ctx.countInLog(/settings changed: .*steplens\.rewards\.serverPort/g);
      // The Python test environment for the run's terminal, offline, as a user would set it.
      settings["terminal.integrated.env.linux"] = {
        PATH: `${path.dirname(PYTHON)}:\${env:PATH}`,
        HF_HUB_OFFLINE: "1",
        HF_DATASETS_OFFLINE: "1",
      };
      fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
      const url = `http://127.0.0.1:${settings["steplens.rewards.serverPort"]}`;
      const health = () => healthStatus(url);
      if ((await health()) !== 200) {
        await ctx.useDemoModel();
        // The server is started on the port of the workspace settings: once StepLens has read it.
        if (newPort)
          await ctx.waitForLog("the reward server's port read by StepLens", /settings changed: .*steplens\.rewards\.serverPort/g, portChanges, 30_000);
        await ctx.runCommand("StepLens: Start Reward Server");
        await ctx.waitUntil("the reward server's /health", health, (s) => s === 200, 150_000);
      }

      // The tiny model and the run folder (as a user would with the CLI; the command reuses the folder).
      const model = path.join(ctx.workspace, "tiny-model");
      const made = spawnSync(PYTHON, [path.join(REPO_ROOT, "test/python/trl_smoke.py"), "make-model", model], {
        encoding: "utf8",
        timeout: 180_000,
        env: { ...process.env, HF_HUB_OFFLINE: "1" },
      });
      if (made.status !== 0) throw new Error(`making the tiny model failed:\n${made.stdout}${made.stderr}`);
      const prompts = path.join(ctx.workspace, "rl-prompts.jsonl");
      fs.writeFileSync(prompts, ['{"problem": "Solve 2x + 3 = 7 for x.", "answer": "2"}', '{"problem": "What is 3 + 4?", "answer": "7"}'].join("\n") + "\n");
      const args = ["rl", "init", "--engine", "trl", "--cpu", "--out", path.join(ctx.workspace, RUN), "--reward-url", url, "--data", prompts];
      args.push("--model", model, "--generations", "4", "--batch", "2", "--max-steps", "2", "--max-response-length", "24");
      const init = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist/cli.js"), ...args], { encoding: "utf8", timeout: 60_000 });
      if (init.status !== 0) throw new Error(`rl init failed:\n${init.stdout}${init.stderr}`);

      // Start RL Training…: trainer, folder (existing: reused), then "Check and launch".
      await ctx.runCommand("StepLens: Start RL Training…");
      const input = ctx.page.locator(".quick-input-widget input");
      await ctx.expectVisible(ctx.page.locator(".quick-input-list .monaco-list-row", { hasText: "TRL" }), "the trainer pick");
      await input.fill("TRL");
      await ctx.page.keyboard.press("Enter");
      await ctx.expectVisible(ctx.page.locator(".quick-input-widget", { hasText: "run folder" }), "the run folder box");
      await input.fill(RUN);
      await ctx.page.keyboard.press("Enter");
      await ctx.expectVisible(ctx.page.locator(".quick-input-list .monaco-list-row", { hasText: "Check and launch" }), "the launch pick");
      await input.fill("Check and launch");
      await ctx.page.keyboard.press("Enter");

      // The trainer's own records: two steps logged with their rewards, then its state at the end.
      const log = path.join(ctx.workspace, RUN, "logs", "train_log.jsonl");
      const rows = () =>
        fs.existsSync(log)
          ? fs
              .readFileSync(log, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l))
          : [];
      await ctx.waitUntil(
        "2 GRPO steps with rewards in the run folder's logs/train_log.jsonl",
        async () => rows().filter((r) => typeof r.reward === "number").length,
        (n) => n >= 2,
        420_000,
      );
      await ctx.waitUntil(
        "checkpoints/trainer_state.json at global step 2",
        async () => {
          try {
            return JSON.parse(fs.readFileSync(path.join(ctx.workspace, RUN, "checkpoints", "trainer_state.json"), "utf8")).global_step;
          } catch {
            return 0;
          }
        },
        (step) => step === 2,
        60_000,
      );
      const steps = rows().filter((r) => typeof r.reward === "number");
      if (steps.map((r) => r.step).join() !== "1,2") throw new Error(`trainer steps: ${steps.map((r) => r.step).join()}`);
      // The terminal shows the step lines ("step k/2: reward …") the screenshot keeps: the panel
      // maximized for it, then back as it was.
      await ctx.runCommand("View: Toggle Maximized Panel");
      const panel = ctx.page.locator(".part.panel");
      await ctx.waitUntil(
        "the panel maximized (over 60% of the window's height)",
        async () => (await panel.first().boundingBox())?.height / ctx.page.viewportSize().height,
        (share) => share > 0.6,
        10_000,
      );
      await ctx.waitForStableBox(panel, "the maximized panel");
      await ctx.painted(ctx.page, "the terminal in the maximized panel");
      await ctx.shot("trl-smoke-run");
      await ctx.runCommand("View: Toggle Maximized Panel");
    },
  },
];
