// The reward log in the real extension host: a log opened with "Open Reward Log…" shows in the
// Datasets view; lines appended while the test runs (by the real writer, src/rewards/rewardLog.ts)
// appear in the tree without any refresh command (the view tails the file); the filters (gate
// reason, trainer step range, reward range) and the sort by reward pick the rollouts the test wrote;
// a rollout opens as a document with the judge's steps, each step's value on hover and the gate's
// reasons as diagnostics; the run dashboard draws the run's points.
// The rollouts are hand-made (values chosen by the test): the expected numbers are read off them.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { DatasetNode } from "../../src/extension/datasetTree";
import type { RewardLogNode } from "../../src/extension/rewardLogs";
import { RewardLog } from "../../src/rewards/rewardLog";
import type { RewardDetail } from "../../src/rewards/rewardScorer";
import { sleep } from "../support/wait";
import { api, closeAllEditors, hoverText, waitFor, workspaceRoot } from "./editorSupport";

const SCRATCH = "reward-log-scratch";

function detail(values: number[], reward: number, codes: string[] = []): RewardDetail {
  return {
    reward,
    gate: { passed: codes.length === 0, reasons: codes as RewardDetail["gate"]["reasons"], details: codes.map((c) => `the rollout broke ${c}`) },
    outcome: codes.length ? null : 1,
    steps: values,
    stepTexts: (codes.length ? ["a", "b", "c"] : values).map((_, i) => `reasoning step number ${i + 1}`),
    stepRewards: values,
    stepCount: codes.length ? 3 : values.length,
    scalarize: "min",
    source: "prm",
    answer: "2",
    answerCorrect: null,
    seconds: 0.01,
  };
}

suite("Reward log: live dataset, filters, rollout documents, run dashboard", () => {
  const dir = () => path.join(workspaceRoot(), SCRATCH);
  const file = () => path.join(dir(), "rewards.jsonl");
  let log: RewardLog;

  suiteSetup(async () => {
    await api();
    fs.rmSync(dir(), { recursive: true, force: true });
    fs.mkdirSync(dir(), { recursive: true });
    log = new RewardLog(file(), { model: "judge.gguf", fsync: "never" });
  });

  suiteTeardown(async () => {
    log.close();
    const a = await api();
    a.datasets.rewardLogs.close(file());
    await closeAllEditors();
    fs.rmSync(dir(), { recursive: true, force: true });
  });

  const rolloutsShown = (a: Awaited<ReturnType<typeof api>>) => {
    const root = a.datasets.getChildren().find((n): n is Extract<DatasetNode, { kind: "rewardLog" }> => n.kind === "rewardLog" && n.log.file === file());
    return root ? a.datasets.getChildren(root).filter((n): n is Extract<RewardLogNode, { kind: "rollout" }> => n.kind === "rollout") : [];
  };

  test("the tree tails the log: rollouts written during the test appear without a refresh", async function () {
    this.timeout(60_000);
    const a = await api();
    log.append({
      client: "client:t",
      route: "/v1/reward",
      item: { prompt: "Solve 2x = 4.", response: "x" },
      detail: detail([0.9, 0.5, 0.7], 0.5),
      trainerStep: 1,
    });
    await vscode.commands.executeCommand("steplens.openRewardLog", vscode.Uri.file(file()));
    assert.equal(rolloutsShown(a).length, 1);
    const latencies: number[] = [];
    // When the view was last told to refresh: the tree refreshes at most once per 250 ms after that.
    let lastRefresh = performance.now();
    const refreshes = a.datasets.onDidChangeTreeData(() => (lastRefresh = performance.now()));
    for (let i = 0; i < 5; i++) {
      const codes = i % 2 ? ["boxed-count"] : [];
      // Pacing, not a wait for an event: a trainer's batches come seconds apart, so each rollout is
      // written once the refresh throttle (250 ms since the last refresh seen) has lapsed, and the
      // latency measured is the tail's, not the throttle's.
      await sleep(Math.max(0, lastRefresh + 260 - performance.now()));
      const t0 = performance.now();
      log.append({
        client: "client:t",
        route: "/v1/reward",
        item: { prompt: `Find the area ${i}.`, response: `rollout ${i}` },
        detail: detail(codes.length ? [] : [0.2 + i / 10, 0.8], codes.length ? 0 : 0.2 + i / 10, codes),
        trainerStep: 2 + Math.floor(i / 2),
      });
      // The view is told to refresh (onDidChangeTreeData) once the rollout is in the tree's data.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          reject(new Error(`rollout ${i + 2} did not reach the tree within 10 s (shown: ${rolloutsShown(a).length})`));
        }, 10_000);
        const sub = a.datasets.onDidChangeTreeData(() => {
          if (rolloutsShown(a).length >= i + 2) {
            clearTimeout(timer);
            sub.dispose();
            resolve();
          }
        });
      });
      latencies.push(performance.now() - t0);
    }
    refreshes.dispose();
    assert.equal(rolloutsShown(a).length, 6);
    // Newest first by default.
    assert.equal(a.datasets.rewardLogs.get(file())!.index.summary(rolloutsShown(a)[0]!.record).prompt, "Find the area 4.");
    // bench/reward-log-tree.mjs runs this suite with the variable set and keeps the figures.
    if (process.env.STEPLENS_REWARD_LOG_BENCH_OUT) fs.writeFileSync(process.env.STEPLENS_REWARD_LOG_BENCH_OUT, JSON.stringify({ treeLatencyMs: latencies }));
  });

  test("filters by gate reason, trainer step and reward; sort by reward", async () => {
    const a = await api();
    const views = a.datasets.rewardLogs;
    const opened = views.get(file())!;
    const prompts = () => rolloutsShown(a).map((n) => opened.index.prompt(n.record));
    views.setFilter(opened, { gate: "boxed-count" });
    assert.deepEqual(prompts(), ["Find the area 3.", "Find the area 1."]);
    views.setFilter(opened, { trainerStep: { min: 2, max: 2 } });
    assert.deepEqual(prompts(), ["Find the area 1.", "Find the area 0."]);
    views.setFilter(opened, { reward: { min: 0.35, max: 1 } });
    assert.deepEqual(prompts(), ["Find the area 4.", "Find the area 2.", "Solve 2x = 4."]);
    assert.match(
      String(a.datasets.getTreeItem(a.datasets.getChildren().find((n) => n.kind === "rewardLog")!).description),
      /3 of 6 rollouts \(reward 0\.35–1\)/,
    );
    views.setFilter(opened, {});
    views.setSort(opened, "reward-desc");
    assert.deepEqual(prompts().slice(0, 2), ["Find the area 4.", "Solve 2x = 4."]);
    views.setSort(opened, "newest");
  });

  test("a rollout opens as a document: the judge's steps, each value on hover, the gate's reasons as diagnostics", async function () {
    this.timeout(30_000);
    const a = await api();
    const opened = a.datasets.rewardLogs.get(file())!;
    // Record 0: passed, values 0.9 0.5 0.7.
    await vscode.commands.executeCommand("steplens.openRollout", { log: file(), record: 0 });
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.scheme, "steplens-rollout");
    const text = editor.document.getText();
    assert.match(text, /Reward: 0\.5000 \(min, prm judge\)/);
    assert.match(text, /Gate: passed/);
    assert.match(text, /Trainer step: 1/);
    const line = text.split("\n").findIndex((l) => l.startsWith("Step 2: reasoning step number 2"));
    assert.ok(line > 0, "step 2 is in the document");
    const hover = await hoverText(editor.document.uri, new vscode.Position(line, 3));
    assert.match(hover.text.replace(/&nbsp;/g, " "), /Step 2: judge value 0\.5000/);
    assert.equal(vscode.languages.getDiagnostics(editor.document.uri).length, 0, "a rollout that passed has no gate diagnostic");

    // Record 2 (the second written in the loop): gated by boxed-count.
    const gatedRecord = Array.from(opened.index.filter({ gate: "boxed-count" }, "oldest"))[0]!;
    await vscode.commands.executeCommand("steplens.openRollout", { log: file(), record: gatedRecord });
    const gated = vscode.window.activeTextEditor!.document;
    const diags = await waitFor(
      "the gate diagnostics",
      () => vscode.languages.getDiagnostics(gated.uri),
      (d) => d.length > 0,
    );
    assert.equal(diags.length, 1);
    assert.equal(diags[0]!.source, "StepLens gate");
    assert.equal(diags[0]!.code, "boxed-count");
    assert.match(diags[0]!.message, /the rollout broke boxed-count/);
    assert.equal(
      diags[0]!.range.start.line,
      gated
        .getText()
        .split("\n")
        .findIndex((l) => l.startsWith("Gate: FAILED")),
    );
  });

  test("the run dashboard draws reward, gating, steps and positions per trainer step", async function () {
    this.timeout(30_000);
    const model = (await vscode.commands.executeCommand("steplens.openRunDashboard", file())) as {
      points: { x: number; n: number; mean: number; gated: number }[];
      positions: { position: number; n: number }[];
    };
    assert.deepEqual(
      model.points.map((p) => [p.x, p.n]),
      [
        [1, 1],
        [2, 2],
        [3, 2],
        [4, 1],
      ],
    );
    // Step 2: rollouts 0 (reward 0.2) and 1 (gated, 0) → mean 0.1, half gated.
    assert.ok(Math.abs(model.points[1]!.mean - 0.1) < 1e-9);
    assert.equal(model.points[1]!.gated, 0.5);
    assert.equal(model.positions[0]!.n, 4, "four rollouts were judged");
  });
});
