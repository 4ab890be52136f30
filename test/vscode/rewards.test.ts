// The reward server and RL training in the real extension host: "Start Reward Server" runs
// `steplens serve` as a background steplens task (pipeline "serve") that answers /get_reward on the
// configured port; "Start RL Training…" writes a run folder with `steplens rl init` and dry-runs it
// (pipeline "rl"); the task provider then offers the reward server and the run's tasks. The model is
// the generated tiny GGUF (RANDOM weights: plumbing, not judgement).
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import * as vscode from "vscode";
import { api, resetSettings, setSetting, useTestModels, waitFor, workspaceRoot } from "./editorSupport";

const SCRATCH = "rewards-scratch";

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

suite("Rewards and RL: reward server task, RL run folder, task provider", () => {
  let port: number;
  suiteSetup(async () => {
    await api();
    await useTestModels();
    port = await freePort();
    await setSetting("rewards.serverPort", port);
    fs.rmSync(path.join(workspaceRoot(), SCRATCH), { recursive: true, force: true });
  });

  suiteTeardown(async () => {
    for (const e of vscode.tasks.taskExecutions) if (e.task.definition.type === "steplens") e.terminate();
    for (const t of vscode.window.terminals) if (t.name.startsWith("StepLens ")) t.dispose();
    await setSetting("rewards.serverPort", undefined);
    await resetSettings();
    fs.rmSync(path.join(workspaceRoot(), SCRATCH), { recursive: true, force: true });
  });

  test("Start Reward Server runs `steplens serve` as a background task that answers /get_reward", async function () {
    this.timeout(120_000);
    const execution = (await vscode.commands.executeCommand("steplens.startRewardServer")) as vscode.TaskExecution;
    assert.ok(execution, "a task execution");
    assert.equal(execution.task.name, "reward server"); // Run Task shows "StepLens: reward server"
    assert.equal(execution.task.definition.pipeline, "serve");
    assert.equal(execution.task.isBackground, true);
    const args = (execution.task.execution as vscode.ProcessExecution).args;
    assert.deepEqual(args.slice(1, 7), [
      "serve",
      "--model",
      vscode.workspace.getConfiguration("steplens").get("models.prm"),
      "--prm",
      "math-shepherd",
      "--port",
    ]);
    const health = await waitFor(
      "the reward server's /health",
      async () => {
        try {
          return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status?: string };
        } catch {
          return {};
        }
      },
      (h) => h.status === "ok",
      90_000,
    );
    assert.equal(health.status, "ok");
    const good = "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: check 2*2 = 4.\n<answer>\\boxed{2}</answer>";
    const res = await fetch(`http://127.0.0.1:${port}/get_reward`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: [`Q\n${good}`], prompts: ["Q\n"] }),
    });
    const body = (await res.json()) as { rewards: number[] };
    assert.equal(res.status, 200);
    assert.ok(body.rewards[0]! > 0 && body.rewards[0]! <= 1);
    // A second start reuses the running server instead of a second one on the same port.
    const again = (await vscode.commands.executeCommand("steplens.startRewardServer")) as vscode.TaskExecution;
    assert.equal(again, execution);
    const tasks = await vscode.tasks.fetchTasks({ type: "steplens" });
    assert.ok(
      tasks.some((t) => t.name === "reward server" && t.definition.pipeline === "serve"),
      tasks.map((t) => t.name).join("\n"),
    );
    execution.terminate();
  });

  test("Start RL Training… writes the run folder and dry-runs it as steplens tasks; the provider offers the run", async function () {
    this.timeout(120_000);
    const out = `${SCRATCH}/trl-run`;
    const run = (await vscode.commands.executeCommand("steplens.startRlTraining", { engine: "trl", out, data: "", dryRun: true })) as {
      exitCode?: number;
      task: vscode.Task;
    };
    assert.equal(run.exitCode, 0, "the dry run finishes (missing prerequisites are reported, not fatal)");
    assert.equal(run.task.definition.pipeline, "rl");
    assert.deepEqual((run.task.execution as vscode.ProcessExecution).args.slice(1), ["rl", "launch", out, "--dry-run"]);
    for (const f of ["launch.sh", "reward.py", "train_grpo.py", "README.md", "steplens-rl.json"])
      assert.ok(fs.existsSync(path.join(workspaceRoot(), out, f)), f);
    const tasks = await vscode.tasks.fetchTasks({ type: "steplens" });
    const names = tasks.map((t) => t.name);
    assert.ok(names.includes("rl dry run trl-run"), names.join("\n"));
    assert.ok(names.includes("rl launch trl-run"), names.join("\n"));
    // Run Task shows "<source>: <name>"; the source is StepLens, so no name repeats it.
    assert.deepEqual(
      names.filter((n) => /^StepLens\b/i.test(n)),
      [],
    );
  });
});
