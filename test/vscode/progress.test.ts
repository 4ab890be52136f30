// PAV progress in the real extension host, with the generated tiny test model as the prover (RANDOM
// WEIGHTS: its rollouts are gibberish and give no answer of their own, so each Q is decided by the
// trace's own boxed answer — which makes the outcome known in advance): the Progress lens, the
// command with its notification, Q before → after in the hover, the Information diagnostic on the
// step that loses progress, the demo label, and the cached result.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import { testModel } from "../support/testModels";
import {
  api,
  closeAllEditors,
  hoverText,
  insideStep,
  resetSettings,
  setSetting,
  steplensDiagnostics,
  stepStart,
  useTestModels,
  waitFor,
} from "./editorSupport";

// Step 2 reaches the reference (Q after = 1); step 3 boxes a wrong answer (Q after = 0): it loses progress.
const CONTENT = `---
reference: "4"
---
Problem: Solve 2x + 3 = 11.

Step 1: Subtract 3 from both sides, so 2x = 8.
Step 2: Divide by 2: x = 4, so the answer is \\boxed{4}.
Step 3: On second thought the answer is \\boxed{5}.
`;

const lenses = async (uri: vscode.Uri) => (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", uri)) ?? [];
const progressLens = async (uri: vscode.Uri) => (await lenses(uri)).find((l) => l.command?.command === "steplens.estimateProgress");

suite("Progress (PAV) in the editor (tiny random-weight prover: plumbing, not judgement)", () => {
  let a: StepLensApi;
  let document: vscode.TextDocument;
  /** The measured run time of the first estimate: a result from the cache carries it unchanged. */
  let firstSeconds: number | undefined;

  suiteSetup(async function () {
    this.timeout(120_000);
    a = await api();
    await useTestModels();
    await setSetting("models.prover", await testModel({ tokenizer: "spm" }));
    await setSetting("progress.rollouts", 8);
    await setSetting("progress.maxTokens", 6);
    await setSetting("run.trigger", "demand");
    document = await vscode.workspace.openTextDocument({ language: "steplens-trace", content: CONTENT });
    await vscode.window.showTextDocument(document);
    await waitFor(
      "the trace is parsed",
      () => a.getTrace(document)?.steps.length,
      (n) => n === 3,
    );
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    for (const key of ["models.prover", "models.generator", "progress.rollouts", "progress.maxTokens"]) await setSetting(key, undefined);
    await resetSettings();
  });

  test("the Progress lens runs the command; before a run the hover has no progress", async () => {
    const lens = await waitFor(
      "the Progress lens",
      () => progressLens(document.uri),
      (l) => l !== undefined,
    );
    assert.match(lens!.command!.title, /Progress$/);
    assert.deepEqual(lens!.command!.arguments, [{ uri: document.uri.toString() }]);
    assert.ok(a.getAnnotations(document)!.steps.every((s) => s.progress === null));
  });

  test("Estimate Progress: Q before → after per step, the advantage, the losing step as an Information diagnostic, the demo label", async function () {
    this.timeout(120_000);
    const result = (await vscode.commands.executeCommand("steplens.estimateProgress", { uri: document.uri.toString() })) as {
      steps: { qBefore: number; q: number; advantage: number }[];
      answer: { value: string; source: string };
      prefixTokensEvaluated: number;
      traceTokens: number;
      seconds: number;
    };
    assert.ok(result, "the command resolves with the result");
    firstSeconds = result.seconds;
    assert.deepEqual(result.answer.source, "reference");
    assert.deepEqual(
      result.steps.map((s) => [s.qBefore, s.q]),
      [
        [0, 0],
        [0, 1],
        [1, 0],
      ],
    );
    assert.equal(result.prefixTokensEvaluated, result.traceTokens, "the trace was evaluated once");

    const ann = await waitFor(
      "progress in the annotations",
      () => a.getAnnotations(document),
      (x) => !!x && x.steps.every((s) => s.progress !== null),
    );
    const progress3 = ann?.steps[2]?.progress;
    assert.ok(progress3, "step 3 has its progress estimate in the annotations");
    assert.equal(progress3.advantage, -1);
    assert.equal(progress3.rollouts, 8);
    assert.ok(progress3.interval, "step 3's estimate has an advantage interval");
    assert.ok(progress3.interval[1] < 0, "the advantage interval lies below 0");

    const diags = await waitFor(
      "the loses-progress diagnostic",
      () => steplensDiagnostics(document.uri).filter((d) => d.code === "loses-progress"),
      (d) => d.length === 1,
    );
    const [losesProgress] = diags;
    assert.ok(losesProgress, "one loses-progress diagnostic");
    assert.equal(losesProgress.severity, vscode.DiagnosticSeverity.Information);
    assert.match(losesProgress.message, /^Step 3 loses progress: Q 1\.00 → 0\.00/);
    assert.match(losesProgress.message, /demo: scores are meaningless/);
    assert.equal(losesProgress.range.start.line, stepStart(a, document, 2).line);

    const { text } = await hoverText(document.uri, insideStep(a, document, 2));
    assert.ok(text.includes("**Progress** Q 1\\.00 → 0\\.00"), text);
    assert.match(text, /90% interval 0\\\.00 to 0\\\.\d\d\) · advantage \\?-1\\\.00/);
    assert.ok(text.includes("8 rollouts"), text);
    // No generator is set: the prover is also the base policy, and the hover says so.
    assert.match(text, /\*\*effective\*\* \\?-?\d\\?\.\d\d = Q \+ α·advantage \(π = μ: one model\)/);
    assert.match(text, /demo\\?: scores are meaningless/);

    const lens = await waitFor(
      "the lens shows the result",
      () => progressLens(document.uri),
      (l) => !!l && /Q 0\.00 → 0\.00/.test(l.command!.title),
    );
    assert.match(lens!.command!.title, /1 step loses progress/);
    assert.match(lens!.command!.title, /^\$\(pulse\) Progress \(π = μ\): Q .* · effective -?\d\.\d\d \(mean\)/);
    assert.match(lens!.command!.title, /demo: scores are meaningless/);
  });

  test("a second run comes from the cache; an edit hides the result until it is estimated again", async function () {
    this.timeout(60_000);
    const again = (await vscode.commands.executeCommand("steplens.estimateProgress", { uri: document.uri.toString() })) as {
      steps: { q: number }[];
      seconds: number;
    };
    assert.deepEqual(
      again.steps.map((s) => s.q),
      [0, 1, 0],
    );
    // From the cache, not estimated again: the result is the stored one, to its measured run time
    // (a new estimate would measure its own seconds).
    assert.equal(typeof firstSeconds, "number", "the first estimate ran in this suite");
    assert.equal(again.seconds, firstSeconds, "the stored result, to its measured seconds");
    const editor = vscode.window.activeTextEditor!;
    const { line } = stepStart(a, document, 2);
    await editor.edit((e) => e.insert(new vscode.Position(line, document.lineAt(line).text.length), " Done."));
    await waitFor(
      "no progress diagnostic after the edit",
      () => steplensDiagnostics(document.uri).filter((d) => d.code === "loses-progress").length,
      (n) => n === 0,
    );
    await waitFor(
      "no progress in the hover model",
      () => a.getAnnotations(document),
      (x) => !!x && x.steps.every((s) => s.progress === null),
    );
  });

  test("another model as the base policy π (models.generator): the hover and the lens show Qπ and the effective reward Qπ + α·Aμ", async function () {
    this.timeout(120_000);
    await setSetting("models.generator", await testModel({ tokenizer: "spm", seed: 99 }));
    const result = (await vscode.commands.executeCommand("steplens.estimateProgress", { uri: document.uri.toString() })) as {
      steps: { q: number; qBase: number; effective: number }[];
      samePolicy: boolean;
      policy: { prefixTokensEvaluated: number; traceTokens: number };
    };
    assert.equal(result.samePolicy, false);
    assert.equal(result.policy.prefixTokensEvaluated, result.policy.traceTokens, "the base policy evaluated the trace once");
    // Random-weight rollouts box nothing: each Q is the trace's own boxed answer, for both models.
    assert.deepEqual(
      result.steps.map((s) => [s.q, s.qBase, s.effective]),
      [
        [0, 0, 0],
        [1, 1, 1.5],
        [0, 0, -0.5],
      ],
    );
    await waitFor(
      "Qπ in the annotations",
      () => a.getAnnotations(document),
      (x) => !!x && x.steps.every((s) => s.progress?.qBase !== undefined),
    );
    const { text } = await hoverText(document.uri, insideStep(a, document, 1));
    assert.ok(text.includes("**Progress** Qμ 0\\.00 → 1\\.00"), text);
    assert.match(text, /\*\*Base policy\*\* Qπ 1\\\.00 \(90% interval 0\\\.\d\d to 1\\\.00\)/);
    assert.match(text, /\*\*effective\*\* 1\\\.50 = Qπ \+ α·advantage/);
    const lens = await waitFor(
      "the lens shows both Q's",
      () => progressLens(document.uri),
      (l) => !!l && /Qπ/.test(l.command!.title),
    );
    assert.match(lens!.command!.title, /^\$\(pulse\) Progress: Qμ 0\.00 → 0\.00 · Qπ 0\.00 · effective 0\.33 \(mean\)/);
  });
});
