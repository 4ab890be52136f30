// Workspace Trust for the reward server and RL (restricted mode, see restricted.test.ts): both
// commands start no task and return nothing, and no reward or RL task is offered.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import { api } from "../vscode/editorSupport";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite("Untrusted workspace: reward server and RL run nothing", () => {
  suiteSetup(async () => {
    await api();
  });

  test("Start Reward Server and Start RL Training… start no task", async function () {
    this.timeout(60_000);
    let startedTasks = 0;
    const sub = vscode.tasks.onDidStartTask((e) => {
      if (e.execution.task.definition.type === "steplens") startedTasks++;
    });
    try {
      for (const [id, arg] of [
        ["steplens.startRewardServer", undefined],
        ["steplens.startRlTraining", { engine: "verl", out: "rl-runs/x", data: "", dryRun: true }],
      ] as const) {
        const result = Promise.resolve(vscode.commands.executeCommand(id, arg));
        await sleep(1000);
        await vscode.commands.executeCommand("notifications.clearAll");
        assert.equal(await Promise.race([result, sleep(15_000).then(() => "still pending")]), undefined, id);
      }
      assert.equal(startedTasks, 0);
      const tasks = await vscode.tasks.fetchTasks({ type: "steplens" });
      assert.deepEqual(tasks.filter((t) => t.definition.pipeline === "serve" || t.definition.pipeline === "rl").map((t) => t.name), []);
    } finally {
      sub.dispose();
    }
  });
});
