// Workspace Trust for the pipelines (restricted mode, see restricted.test.ts for the set-up): no
// StepLens task is offered, and "Synthesize Training Data…" / "Export Training Data…" start nothing,
// tell the user why (a warning, and the StepLens log) and return nothing.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { api, waitFor, workspaceRoot } from "../vscode/editorSupport";
import { within } from "../support/wait";
import { runRefusedCommand, steplensLog, steplensTasksStartedDuring } from "./untrustedSupport";

suite("Untrusted workspace: pipelines run nothing", () => {
  suiteSetup(async () => {
    await api();
  });

  test("no StepLens task is offered", async function () {
    this.timeout(60_000);
    // In restricted mode VS Code may hold fetchTasks until the user decides about trust: do not await
    // it; the provider says in the log that it offered nothing, and why.
    const fetching = Promise.resolve(vscode.tasks.fetchTasks({ type: "steplens" })).then(
      (tasks) => tasks.map((t) => t.name),
      () => [],
    );
    await waitFor(
      "the provider's refusal in the StepLens log",
      steplensLog,
      (log) => /no StepLens tasks offered: StepLens does not run models or programs in an untrusted workspace/.test(log),
      30_000,
    );
    // The log line above is the provider's own answer. fetchTasks may stay pending until the user
    // decides about trust; when it has answered, it must list no StepLens task. A pending fetch is
    // told apart from an empty answer (it used to read as [], the expected answer itself).
    const names = await within("fetchTasks's answer", fetching, 2000).catch(() => "still pending" as const);
    if (names !== "still pending") assert.deepEqual(names, [], "fetchTasks lists no StepLens task");
  });

  test("Export and Synthesize start no task, warn why, and return nothing", async function () {
    this.timeout(90_000);
    const out = path.join(workspaceRoot(), "never-written.jsonl");
    const startedTasks = await steplensTasksStartedDuring(async () => {
      for (const [id, arg] of [
        ["steplens.exportTrainingData", { input: "processbench/gsm8k.json", format: "trl-prm", out }],
        [
          "steplens.synthesizeTrainingData",
          { problems: "processbench/gsm8k.json", out: "runs/x", solutions: 1, generator: { model: "g.gguf" }, verifier: { model: "v.gguf" } },
        ],
      ] as const)
        await runRefusedCommand(id, [arg]);
      await waitFor(
        "the refusals in the StepLens log",
        steplensLog,
        (log) => /refused to export training data/.test(log) && /refused to run a synthesis/.test(log),
        15_000,
      );
    });
    assert.equal(startedTasks, 0);
    assert.equal(fs.existsSync(out), false);
  });
});
