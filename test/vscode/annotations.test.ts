// The editor experience on a trace file, in the real extension host, scored by the generated tiny
// test model (RANDOM WEIGHTS: these tests check plumbing — what is shown where, and when — never
// whether a score is right). Hover, diagnostics, code lenses, status, scoring after an edit (prefix
// reuse), the inspector, verification, the demo model.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import { statusText } from "../../src/extension/statusBar";
import { closeTestTrace, fixtureUri, hoverText, insideStep, openTestTrace, setSetting, steplensDiagnostics, waitFor, waitForScores } from "./editorSupport";

const TRACE = "cyclist-speed.trace.md"; // four steps

suite("Editor annotations (tiny random-weight test model: plumbing, not judgement)", () => {
  let a: StepLensApi;
  let models: { prm: string; verifier: string };
  let document: vscode.TextDocument;

  suiteSetup(async function () {
    this.timeout(120_000);
    ({ a, models, document } = await openTestTrace(TRACE));
  });

  suiteTeardown(() => closeTestTrace());

  test("opening a trace scores every step once, in one pass, and the status says which engine and model", async () => {
    const last = a.getLastScore(document);
    assert.ok(last, "a result landed");
    assert.equal(last.result.steps.length, 4);
    assert.equal(last.result.model, models.prm);
    assert.ok(last.result.evaluatedTokens > 0 && last.result.evaluatedTokens <= last.result.traceTokens);
    for (const s of last.result.steps) assert.ok(s.score >= 0 && s.score <= 1, `score ${s.score} in [0, 1]`);
    const status = a.engineStatus();
    assert.equal(status.status.kind, "ready");
    assert.equal(status.device, "cpu");
    assert.ok(status.loaded.includes("prm"), "the PRM is loaded");
    assert.equal(status.demo, true, "a generated random-weight model counts as a demo model");
    const text = statusText(status, 0);
    assert.match(text, /CPU/);
    assert.match(text, /\(demo\)/);
  });

  test("hover on a step: the score against the threshold, the model, the demo notice and the StepLens command links", async () => {
    const { text, hovers } = await hoverText(document.uri, insideStep(a, document, 1));
    const ann = a.getAnnotations(document)!;
    const step = ann.steps[1];
    assert.ok(step?.scoreText, "step 2 has a score");
    assert.ok(text.includes("Step 2"), text);
    assert.ok(text.includes(`**PRM** ${step.scoreText.replace(".", "\\.")}`), `the hover shows the score ${step.scoreText}: ${text}`);
    assert.match(text, /≥ 0\\\.50? threshold|&lt; 0\\\.50? threshold/);
    assert.ok(text.includes(path.basename(models.prm)), "the model is named");
    assert.match(text, /demo\\?: scores are meaningless/, "the demo notice is there");
    for (const c of ["steplens.score", "steplens.verify", "steplens.openInspector", "steplens.markStepCorrect", "steplens.markStepIncorrect"]) {
      assert.ok(text.includes(`command:${c}?`), `a link to ${c}`);
    }
    const md = hovers[0]!.contents[0] as vscode.MarkdownString;
    if (md.isTrusted !== undefined) {
      // Trusted for exactly the StepLens commands it links, never wholesale.
      assert.notEqual(md.isTrusted, true);
      const enabled = (md.isTrusted as { enabledCommands: string[] }).enabledCommands;
      assert.ok(
        enabled.every((c) => c.startsWith("steplens.")),
        JSON.stringify(enabled),
      );
    }
    assert.notEqual(md.supportHtml, true);
    // Outside any step (the problem line) there is no StepLens hover.
    const { text: none } = await hoverText(document.uri, new vscode.Position(0, 3));
    assert.ok(!none.includes("StepLens"), none);
  });

  test("steplens.annotations.hover off: no hover", async () => {
    await setSetting("annotations.hover", false);
    try {
      const { text } = await hoverText(document.uri, insideStep(a, document, 1));
      assert.ok(!text.includes("StepLens"), text);
    } finally {
      await setSetting("annotations.hover", undefined);
    }
  });

  test("diagnostics: threshold 1.0 makes step 1 the first error and the rest warnings; threshold 0 clears them", async () => {
    await setSetting("prm.threshold", 1);
    const diags = await waitFor(
      "4 StepLens diagnostics",
      () => steplensDiagnostics(document.uri),
      (d) => d.length === 4,
    );
    const sorted = [...diags].sort((x, y) => x.range.start.line - y.range.start.line);
    const first = sorted[0]!;
    assert.equal(first.severity, vscode.DiagnosticSeverity.Error);
    assert.match(first.message, /^Step 1: first error — PRM 0\.\d+ < 1\.00/);
    assert.match(first.message, /demo: scores are meaningless/);
    assert.equal(first.code, "first-error");
    const step1 = a.getTrace(document)!.steps[0]!.range!;
    assert.equal(first.range.start.line, step1.start.line);
    assert.equal(first.range.end.line, step1.end.line);
    for (const w of sorted.slice(1)) {
      assert.equal(w.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(w.message, /^Step [234]: (incorrect|below threshold) — PRM 0\.\d+ < 1\.00/);
    }
    const ann = a.getAnnotations(document)!;
    assert.equal(ann.firstError?.index, 0);
    assert.equal(ann.steps[0]!.inlineText.startsWith(`${ann.steps[0]!.scoreText} ✗ first error`), true, ann.steps[0]!.inlineText);

    await setSetting("prm.threshold", 0);
    await waitFor(
      "no StepLens diagnostics",
      () => steplensDiagnostics(document.uri),
      (d) => d.length === 0,
    );
    assert.equal(a.getAnnotations(document)!.firstError, null);
    assert.match(a.getAnnotations(document)!.steps[2]!.inlineText, /^0\.\d+ ✓/);
    await setSetting("prm.threshold", 0.5);
  });

  test("next / previous problem step move between the steps that have diagnostics", async () => {
    await setSetting("prm.threshold", 1);
    await waitFor(
      "4 diagnostics",
      () => steplensDiagnostics(document.uri),
      (d) => d.length === 4,
    );
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    assert.equal(await vscode.commands.executeCommand("steplens.nextProblemStep"), 0);
    assert.equal(await vscode.commands.executeCommand("steplens.nextProblemStep"), 1);
    assert.equal(await vscode.commands.executeCommand("steplens.previousProblemStep"), 0);
    assert.equal(await vscode.commands.executeCommand("steplens.previousProblemStep"), 3, "wraps around");
    await setSetting("prm.threshold", 0.5);
  });

  test("code lenses: Score · Verify ×K · Progress · Inspect (the setting's order) and the first error", async () => {
    await setSetting("prm.threshold", 1);
    await waitFor(
      "the first error",
      () => a.getAnnotations(document)?.firstError?.index,
      (i) => i === 0,
    );
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", document.uri, 10)) ?? [];
    const titles = lenses.map((l) => l.command?.title ?? "");
    assert.ok(
      titles.some((t) => t.includes("Score")),
      titles.join(" | "),
    );
    assert.ok(
      titles.some((t) => t.includes("Verify ×16")),
      titles.join(" | "),
    );
    assert.ok(
      titles.some((t) => t.includes("Inspect")),
      titles.join(" | "),
    );
    assert.ok(
      titles.some((t) => t.includes("first error: Step 1 (PRM)") && t.includes("demo: scores are meaningless")),
      titles.join(" | "),
    );
    assert.ok(
      lenses.some((l) => l.command?.command === "steplens.estimateProgress" && /Progress/.test(l.command.title)),
      "the Progress lens runs Estimate Progress",
    );
    assert.equal(lenses.find((l) => l.command?.title.includes("Score"))?.command?.command, "steplens.score");
    // The order shown is the order the setting's description gives (issue 18: Progress came last).
    const manifest = vscode.extensions.getExtension("steplens.steplens")!.packageJSON as {
      contributes: { configuration: { properties: Record<string, { markdownDescription?: string }> } };
    };
    const described = /Show (.+) above a trace/.exec(
      manifest.contributes.configuration.properties["steplens.annotations.codeLens"]?.markdownDescription ?? "",
    )?.[1];
    assert.ok(described, "the setting describes the lenses");
    const names = described.split(" · ").map((n) => n.trim());
    const shown = titles.map((t) => names.findIndex((n) => t.includes(n))).filter((i) => i >= 0);
    assert.deepEqual(
      shown,
      names.map((_, i) => i),
      `shown: ${titles.join(" | ")}; described: ${described}`,
    );
    await setSetting("annotations.codeLens", false);
    const none = (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", document.uri)) ?? [];
    assert.equal(none.filter((l) => l.command?.command?.startsWith("steplens.")).length, 0);
    await setSetting("annotations.codeLens", undefined);
    await setSetting("prm.threshold", 0.5);
  });

  test("re-scoring after an edit of the last step evaluates fewer tokens than the first score; after an edit of the first step, more", async () => {
    const nonce = Math.random().toString(36).slice(2, 8); // fresh content: no cache hit, no reused prefix
    const steps = [
      "We have 10 apples and buy 12 more.",
      "So the total is 10 + 12 = 22 apples.",
      "We give 2 away, so 22 - 2 = 20 remain.",
      "Then we double it: 2 · 20 = 40.",
      "So the answer is 40.",
    ];
    const content = `Problem: (${nonce}) How many apples are left?\n\n${steps.map((s, i) => `Step ${i + 1}: ${s}`).join("\n\n")}\n`;
    const doc = await vscode.workspace.openTextDocument({ language: "steplens-trace", content });
    await vscode.window.showTextDocument(doc);
    await waitForScores(a, doc);
    const first = a.getLastScore(doc)!.result;
    // The first score evaluates the whole trace (a BOS token another trace left in the sequence may be reused).
    assert.ok(first.evaluatedTokens >= first.traceTokens - 2, `first score: ${first.evaluatedTokens} of ${first.traceTokens} tokens`);

    // Edit the last step, re-score: only the tokens from that step on are evaluated.
    const last = a.getTrace(doc)!.steps[4]!.range!;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(last.end.line, last.end.character - 3, last.end.line, last.end.character), "41.");
    assert.ok(await vscode.workspace.applyEdit(edit));
    const before = a.getAnnotations(doc)!;
    assert.ok(
      before.steps.slice(0, 4).every((s) => s.score !== null),
      "steps before the edit keep their scores meanwhile",
    );
    assert.equal(before.steps[4]!.score, null, "the edited step shows as not scored until the new result lands");
    const afterLast = (await vscode.commands.executeCommand<{ evaluatedTokens: number; traceTokens: number }>("steplens.score", { uri: doc.uri.toString() }))!;
    assert.ok(afterLast, "the score command returns the result");
    assert.ok(afterLast.evaluatedTokens < first.evaluatedTokens, `last-step edit: ${afterLast.evaluatedTokens} < ${first.evaluatedTokens} tokens`);

    // Edit the first step: everything after it is evaluated again.
    const s1 = a.getTrace(doc)!.steps[0]!.range!;
    const edit2 = new vscode.WorkspaceEdit();
    edit2.insert(doc.uri, new vscode.Position(s1.start.line, s1.start.character + "Step 1: ".length), "Say ");
    assert.ok(await vscode.workspace.applyEdit(edit2));
    const afterFirst = (await vscode.commands.executeCommand<{ evaluatedTokens: number; traceTokens: number }>("steplens.score", { uri: doc.uri.toString() }))!;
    assert.ok(afterFirst.evaluatedTokens > afterLast.evaluatedTokens, `first-step edit: ${afterFirst.evaluatedTokens} > ${afterLast.evaluatedTokens} tokens`);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
  });

  test("the same trace in another file gets its scores from the workspace's content-hash cache, without running the model", async () => {
    const scored = a.getLastScore(document)!.result;
    const copy = path.join(os.tmpdir(), `steplens-cache-copy-${process.pid}-${Date.now()}.trace.md`);
    fs.writeFileSync(copy, document.getText());
    try {
      const twin = await vscode.workspace.openTextDocument(vscode.Uri.file(copy));
      await vscode.window.showTextDocument(twin);
      await waitForScores(a, twin); // bounded: fails naming the document after 60 s
      const last = a.getLastScore(twin)!;
      // Counted, not timed: the result came from the cache, so the model did not run.
      assert.equal(last.fromCache, true, "the result came from the cache");
      assert.deepEqual(
        last.result.steps.map((s) => s.score),
        scored.steps.map((s) => s.score),
      );
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    } finally {
      fs.rmSync(copy, { force: true });
    }
  });

  test("the inspector shows the trace's steps and scores", async () => {
    await vscode.window.showTextDocument(document);
    assert.equal(await vscode.commands.executeCommand("steplens.openInspector", { uri: document.uri.toString() }), true);
    const state = await waitFor(
      "the inspector state",
      () => a.inspectorState(),
      (s) => s !== null && s.steps.length === 4,
      30_000,
    );
    assert.equal(state!.demo, true);
    assert.ok(state!.steps.every((s) => s.score !== null));
    assert.equal(state!.threshold, 0.5);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  test("verify ×2 with the tiny chat model (constrained JSON): verdict counts reach the hover", async function () {
    this.timeout(180_000);
    await setSetting("verify.samples", 2);
    await setSetting("verify.constrained", true);
    document = await vscode.workspace.openTextDocument(fixtureUri(TRACE));
    await vscode.window.showTextDocument(document);
    const view = await vscode.commands.executeCommand<{ samples: number; steps: unknown[] }>("steplens.verify", { uri: document.uri.toString() });
    assert.ok(view, "verification returned its view");
    assert.equal(view.samples, 2);
    assert.equal(view.steps.length, 4);
    const ann = a.getAnnotations(document)!;
    assert.equal(ann.verifierSamples, 2);
    const { text } = await hoverText(document.uri, insideStep(a, document, 0));
    assert.match(text, /\*\*Verifiers\*\* (\d of 2 verifiers|no verdict from 2 verifiers)/, text);
    await setSetting("verify.samples", undefined);
    await setSetting("verify.constrained", undefined);
  });

  test("StepLens: Use Demo Model writes a random-weight GGUF into global storage and selects it", async function () {
    this.timeout(60_000);
    const file = await vscode.commands.executeCommand<string>("steplens.useDemoModel");
    assert.ok(file && fs.existsSync(file), "the demo model file exists");
    assert.equal(fs.readFileSync(file).subarray(0, 4).toString("latin1"), "GGUF");
    assert.match(path.basename(file), /^steplens-demo-/);
    assert.equal(vscode.workspace.getConfiguration("steplens").get("models.prm"), file);
    assert.equal(a.engineStatus().demo, true);
    await setSetting("models.prm", models.prm);
    await setSetting("models.verifier", models.verifier);
    await setSetting("models.generator", undefined);
    await setSetting("models.prover", undefined);
  });

  test("the status bar text says restricted in an untrusted workspace and 'no model' without one", () => {
    const base = { engineKind: "local" as const, device: "", models: {}, loaded: [], queued: 0, demo: false };
    assert.equal(statusText({ ...base, status: { kind: "restricted", reason: "x" } }, 0), "$(shield) StepLens: restricted");
    assert.equal(statusText({ ...base, status: { kind: "unconfigured", reason: "x" } }, 0), "$(circle-slash) StepLens: no model");
    assert.match(
      statusText({ ...base, status: { kind: "ready" }, device: "cuda", models: { prm: "/m/prm.gguf" } }, 3),
      /CUDA · prm\.gguf · \$\(sync~spin\) 3 queued/,
    );
  });
});
