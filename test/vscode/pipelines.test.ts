// The pipeline tasks and commands in the real extension host: the task provider offers export tasks
// for a synthesis folder in the workspace, "Export Training Data…" runs the bundled CLI as a task in a
// terminal named after the job (the expected command line, a real export written), and "Synthesize
// Training Data…" starts the expected `steplens synthesize` command line (stopped at once: no model
// runs here).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { writeSynthesisFolder } from "../unit/export-fixtures";
import type { DatasetNode } from "../../src/extension/datasetTree";
import { api, waitFor, workspaceRoot } from "./editorSupport";

const SCRATCH = "pipelines-scratch";

function started(match: (t: vscode.Task) => boolean): Promise<vscode.TaskExecution> {
  return new Promise((resolve) => {
    const sub = vscode.tasks.onDidStartTask((e) => {
      if (!match(e.execution.task)) return;
      sub.dispose();
      resolve(e.execution);
    });
  });
}

suite("Pipelines: tasks and commands", () => {
  let scratch: string;

  suiteSetup(async () => {
    await api();
    scratch = path.join(workspaceRoot(), SCRATCH);
    fs.rmSync(scratch, { recursive: true, force: true });
    writeSynthesisFolder(path.join(scratch, "run"));
  });

  suiteTeardown(() => {
    for (const t of vscode.window.terminals) if (t.name.startsWith("StepLens ")) t.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test("the task provider offers export tasks for the workspace's synthesis folder, running the bundled CLI", async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: "steplens" });
    const names = tasks.map((t) => t.name);
    assert.ok(names.includes("export run (trl-prm) → trl-prm.jsonl"), names.join("\n"));
    assert.ok(names.includes("export run (verl-parquet) → verl-parquet.parquet"), names.join("\n"));
    const t = tasks.find((x) => x.name === "export run (trl-prm) → trl-prm.jsonl")!;
    assert.equal(t.definition.pipeline, "export");
    assert.deepEqual(t.problemMatchers, ["$steplens"]);
    const exec = t.execution as vscode.ProcessExecution;
    assert.ok(exec instanceof vscode.ProcessExecution);
    assert.equal(exec.process, process.execPath);
    const [cli] = exec.args;
    assert.ok(cli?.endsWith(path.join("dist", "cli.js")), cli);
    assert.deepEqual(exec.args.slice(1), [
      "export",
      `${SCRATCH}/run`,
      "--format",
      "trl-prm",
      "--out",
      `${SCRATCH}/run/export/trl-prm.jsonl`,
      "--drop-unanimous",
    ]);
    assert.equal(exec.options?.env?.ELECTRON_RUN_AS_NODE, "1");
  });

  test("Export Training Data… runs `steplens export` in a terminal named after the job and writes the file", async function () {
    this.timeout(120_000);
    const out = path.join(scratch, "out", "prm.jsonl");
    const start = started((t) => t.definition.type === "steplens" && t.definition.pipeline === "export");
    const result = (await vscode.commands.executeCommand("steplens.exportTrainingData", {
      input: path.join(scratch, "run"),
      format: "trl-prm",
      out,
      dropUnanimous: true,
    })) as { exitCode: number | undefined; files: string[]; task: vscode.Task } | undefined;
    const execution = await start;
    const exec = execution.task.execution as vscode.ProcessExecution;
    assert.equal(exec.process, process.execPath);
    assert.deepEqual(exec.args.slice(1), ["export", `${SCRATCH}/run`, "--format", "trl-prm", "--out", `${SCRATCH}/out/prm.jsonl`, "--drop-unanimous"]);
    assert.equal(execution.task.name, "export run (trl-prm) → prm.jsonl");
    await waitFor(
      "the job's terminal",
      () => vscode.window.terminals.map((t) => t.name),
      (names) => names.some((n) => n.includes("export run (trl-prm) → prm.jsonl")),
    );
    assert.ok(result, "the command returns its run");
    assert.equal(result.exitCode, 0);
    assert.deepEqual(result.files, [out]);
    const rows = fs
      .readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { prompt: string; completions: string[]; labels: boolean[] });
    assert.equal(rows.length, 6, "p3 (unanimous) dropped: 3 + 3 solutions of p1 and p2");
    assert.ok(rows.every((r) => typeof r.prompt === "string" && r.completions.length === r.labels.length));
  });

  test("the Datasets tree opens a synthesis folder: solutions with their aggregated labels and the K verdicts per step", async function () {
    this.timeout(60_000);
    const a = await api();
    const d = await a.datasets.open(path.join(scratch, "run"));
    assert.ok(d.synthesis, "opened as a synthesis folder");
    assert.equal(a.datasets.get(path.join(scratch, "run"))?.file, path.join(scratch, "run", "solutions.jsonl"));
    const root = a.datasets.getChildren().find((n) => n.kind === "dataset" && n.dataset === d)!;
    assert.equal(a.datasets.getTreeItem(root).label, "run (synthesis)");
    const records = a.datasets.getChildren(root).filter((n): n is Extract<DatasetNode, { kind: "record" }> => n.kind === "record");
    assert.equal(records.length, 9);
    const wrong = records.find((r) => r.summary.id === "p1#s1")!;
    assert.equal(wrong.summary.groundTruth, 0, "the aggregate's first error is the ground-truth column");
    assert.match(String(a.datasets.getTreeItem(wrong).description), /^first error at step 1 · outcome no · K=2 \(step\)/);
    const steps = a.datasets.getChildren(wrong);
    assert.equal(steps.length, 3);
    const [stepOne, stepTwo] = steps;
    assert.ok(stepOne && stepTwo, "the solution's steps 1 and 2 are in the tree");
    const first = a.datasets.getTreeItem(stepOne);
    assert.equal(first.label, "Step 1: incorrect");
    assert.match(String(first.description), /^-\+ · 1 correct, 1 incorrect/, "v0 agrees (-), v1 disagrees (+)");
    assert.equal(a.datasets.getTreeItem(stepTwo).label, "Step 2: undetermined");
    const pending = records.find((r) => r.summary.id === "p3#s2")!;
    assert.match(String(a.datasets.getTreeItem(pending).description), /not labelled yet/);
    a.datasets.close(path.join(scratch, "run"));
    assert.equal(a.datasets.get(path.join(scratch, "run")), undefined);
  });

  test("Synthesize Training Data… starts `steplens synthesize` with the settings' models and verification defaults", async function () {
    this.timeout(60_000);
    const problems = path.join(scratch, "problems.jsonl");
    fs.writeFileSync(problems, JSON.stringify({ id: "q1", problem: "What is 1 + 1?" }) + "\n");
    const start = started((t) => t.definition.type === "steplens" && t.definition.pipeline === "synthesize");
    const run = vscode.commands.executeCommand("steplens.synthesizeTrainingData", {
      problems,
      out: `${SCRATCH}/synth`,
      solutions: 2,
      generator: { model: "gen.gguf" },
      verifier: { model: "ver.gguf" },
    });
    const execution = await start;
    const exec = execution.task.execution as vscode.ProcessExecution;
    const config = vscode.workspace.getConfiguration("steplens");
    assert.deepEqual(exec.args.slice(1), [
      "synthesize",
      "--problems",
      `${SCRATCH}/problems.jsonl`,
      "--out",
      `${SCRATCH}/synth`,
      "--solutions",
      "2",
      "--verifications",
      String(config.get("verify.samples")),
      "--aggregate",
      String(config.get("verify.aggregate")),
      "--tau",
      String(config.get("verify.tau")),
      ...(config.get("verify.metaCritique") ? ["--meta-critique"] : []),
      "--generator-model",
      "gen.gguf",
      "--verifier-model",
      "ver.gguf",
      // local models: the engine settings a redo needs again (--retry-failed, a rerun from "recently used")
      "--context-size",
      String(config.get("local.contextSize")),
      "--gpu",
      String(config.get("local.gpu")),
      ...((config.get<number>("local.maxThreads") ?? 0) > 0 ? ["--threads", String(config.get("local.maxThreads"))] : []),
      ...(config.get("verify.constrained") ? ["--constrained"] : []),
      // the same task run again continues its folder
      "--resume",
    ]);
    assert.equal(execution.task.name, "synthesize problems.jsonl → synth");
    execution.terminate();
    await run;
  });
});
