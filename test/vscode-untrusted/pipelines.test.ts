// Workspace Trust for the pipelines (restricted mode, see restricted.test.ts for the set-up): no
// StepLens task is offered, and "Synthesize Training Data…" / "Export Training Data…" start nothing,
// tell the user why (a warning, and the StepLens log) and return nothing.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { api, waitFor, workspaceRoot } from "../vscode/editorSupport";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function steplensLog(): string {
  const dir = process.env.STEPLENS_TEST_LOGS_DIR;
  assert.ok(dir, "the runner sets STEPLENS_TEST_LOGS_DIR");
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/StepLens\.log$/i.test(e.name)) found.push(fs.readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return found.join("\n");
}

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
    const names = await Promise.race([fetching, sleep(2000).then(() => [] as string[])]);
    assert.deepEqual(names, []);
  });

  test("Export and Synthesize start no task, warn why, and return nothing", async function () {
    this.timeout(90_000);
    let startedTasks = 0;
    const sub = vscode.tasks.onDidStartTask((e) => {
      if (e.execution.task.definition.type === "steplens") startedTasks++;
    });
    try {
      const out = path.join(workspaceRoot(), "never-written.jsonl");
      for (const [id, arg] of [
        ["steplens.exportTrainingData", { input: "processbench/gsm8k.json", format: "trl-prm", out }],
        [
          "steplens.synthesizeTrainingData",
          { problems: "processbench/gsm8k.json", out: "runs/x", solutions: 1, generator: { model: "g.gguf" }, verifier: { model: "v.gguf" } },
        ],
      ] as const) {
        let settled = false;
        const result = Promise.resolve(vscode.commands.executeCommand(id, arg)).finally(() => (settled = true));
        await sleep(1500);
        assert.equal(settled, false, `${id} waits on the warning that explains the refusal`);
        await vscode.commands.executeCommand("notifications.clearAll");
        assert.equal(await Promise.race([result, sleep(15_000).then(() => "still pending")]), undefined);
      }
      await waitFor(
        "the refusals in the StepLens log",
        steplensLog,
        (log) => /refused to export training data/.test(log) && /refused to run a synthesis/.test(log),
        15_000,
      );
      assert.equal(startedTasks, 0);
      assert.equal(fs.existsSync(out), false);
    } finally {
      sub.dispose();
    }
  });
});
