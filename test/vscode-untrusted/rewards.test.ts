// Workspace Trust for the reward server and RL (restricted mode, see restricted.test.ts): both commands
// start no task, warn why and return nothing. (That no StepLens task — reward server and RL runs
// included — is offered there is pipelines.test.ts's check: the provider returns none.)
import assert from "node:assert/strict";
import { api } from "../vscode/editorSupport";
import { runRefusedCommand, steplensTasksStartedDuring } from "./untrustedSupport";

suite("Untrusted workspace: reward server and RL run nothing", () => {
  suiteSetup(async () => {
    await api();
  });

  test("Start Reward Server and Start RL Training… start no task and return nothing", async function () {
    this.timeout(90_000);
    const startedTasks = await steplensTasksStartedDuring(async () => {
      for (const [id, arg] of [
        ["steplens.startRewardServer", {}],
        ["steplens.startRlTraining", { engine: "verl", out: "rl-runs/x", data: "", dryRun: true }],
      ] as const)
        await runRefusedCommand(id, [arg]);
    });
    assert.equal(startedTasks, 0);
  });
});
