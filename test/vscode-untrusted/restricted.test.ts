// Workspace Trust, in the real extension host: the runner (`run-vscode-tests.mjs --untrusted`) opens a
// fresh copy of the fixture workspace with `security.workspace.trust.enabled: true`, no
// `--disable-workspace-trust` and a new user-data-dir, so the folder is NOT trusted (restricted mode).
// The copy carries a .vscode/settings.json that points steplens.models.prm at a workspace file (a
// restricted setting) and sets steplens.prm.threshold (not restricted: proves the file is read).
//
// StepLens must still read and navigate traces there, but run no model and no program, and say why.
// The user-level PRM is the generated tiny test model (RANDOM WEIGHTS): in a trusted workspace it
// would score the trace at once (test/vscode/annotations.test.ts), so "no scores" here means
// "refused", not "nothing configured".
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import { statusText } from "../../src/extension/statusBar";
import { UNTRUSTED_REASON } from "../../src/extension/trust";
import { closeTestTrace, type OpenedTrace, hoverText, insideStep, openTestTrace, steplensDiagnostics, waitFor, workspaceRoot } from "../vscode/editorSupport";
import { runRefusedCommand, steplensLog } from "./untrustedSupport";

const TRACE = "cyclist-speed.trace.md"; // four steps
/** What the runner's .vscode/settings.json in the workspace copy says (keep in step with run-vscode-tests.mjs). */
const WORKSPACE_PRM = "workspace-model.gguf";
const WORKSPACE_THRESHOLD = 0.25;

suite("Untrusted workspace (restricted mode): read and navigate, run nothing", () => {
  let a: StepLensApi;
  let models: OpenedTrace["models"];
  let document: vscode.TextDocument;

  suiteSetup(async function () {
    this.timeout(120_000);
    // User settings: a real (tiny, random-weight) PRM that trust would let run; nothing scores here.
    ({ a, models, document } = await openTestTrace(TRACE, { scored: false }));
  });

  suiteTeardown(() => closeTestTrace());

  test("the workspace is not trusted and the copy with the workspace settings is open", () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(fs.existsSync(path.join(workspaceRoot(), ".vscode", "settings.json")), "the runner's workspace settings are there");
    assert.equal(a.isTrace(document), true);
  });

  test("reading and navigating work: outline symbols, the parsed trace, Go to Step", async () => {
    const trace = a.getTrace(document);
    assert.equal(trace?.steps.length, 4);
    const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>("vscode.executeDocumentSymbolProvider", document.uri)) ?? [];
    const flat = (s: vscode.DocumentSymbol[]): vscode.DocumentSymbol[] => s.flatMap((x) => [x, ...flat(x.children ?? [])]);
    const steps = flat(symbols).filter((s) => /^Step \d+/.test(s.name));
    assert.equal(steps.length, 4, `four step symbols in the outline: ${JSON.stringify(flat(symbols).map((s) => s.name))}`);
    const target = await vscode.commands.executeCommand<number | undefined>("steplens.goToStep", 3);
    assert.equal(target, 3, "Go to Step runs without trust");
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document === document);
    assert.ok(trace!.steps[2]!.range, "step 3 has a range");
    assert.equal(editor.selection.active.line, trace!.steps[2]!.range!.start.line, "the cursor is on step 3");
  });

  test("no model runs on open: no engine, no scores, no diagnostics, no score in the hover", async () => {
    // The trace was opened (and told to the scheduler) in suiteSetup; whenIdle resolves once nothing is
    // running, waiting or debouncing, so a score a broken trust gate let through would have landed by then.
    await waitFor(
      "the trace's annotations (its open handled)",
      () => a.getAnnotations(document),
      (ann) => ann !== undefined,
      10_000,
    );
    await a.whenIdle();
    const status = a.engineStatus();
    assert.equal(status.status.kind, "restricted");
    assert.deepEqual(status.loaded, [], "no model was loaded");
    assert.equal(status.device, "", "no local engine started");
    assert.equal(a.getLastScore(document), undefined, "no PRM result");
    const ann = a.getAnnotations(document);
    assert.ok(ann, "the trace still has (empty) annotations");
    assert.ok(
      ann.steps.every((s) => s.score === null),
      `no step has a score: ${JSON.stringify(ann.steps.map((s) => s.score))}`,
    );
    assert.deepEqual(steplensDiagnostics(document.uri), []);
    const { text } = await hoverText(document.uri, insideStep(a, document, 1));
    assert.ok(!text.includes("**PRM**"), `the hover shows no score: ${text}`);
  });

  test("the status bar says restricted and why", () => {
    const status = a.engineStatus();
    assert.equal(status.status.kind, "restricted");
    assert.equal((status.status as { reason: string }).reason, UNTRUSTED_REASON);
    assert.match(statusText(status, 0), /restricted/);
  });

  test("Score and Verify refuse, tell the user why (warning + log), and create no engine", async function () {
    this.timeout(90_000);
    await runRefusedCommand("steplens.score", [{ uri: document.uri }]);
    await runRefusedCommand("steplens.verify", [{ uri: document.uri }]);
    await waitFor(
      "the refusals in the StepLens log",
      steplensLog,
      (log) => /refused to score this trace: the workspace is not trusted/.test(log) && /refused to verify this trace: the workspace is not trusted/.test(log),
      15_000,
    );
    await a.whenIdle();
    const status = a.engineStatus();
    assert.equal(status.status.kind, "restricted");
    assert.deepEqual(status.loaded, []);
    assert.equal(a.getLastScore(document), undefined, "still no PRM result");
    assert.ok(a.getAnnotations(document)!.steps.every((s) => s.score === null && s.verifiers === null && s.critique === null));
    assert.deepEqual(steplensDiagnostics(document.uri), []);
  });

  test("Estimate Progress refuses too: no prover runs, no progress is shown", async function () {
    this.timeout(60_000);
    await runRefusedCommand("steplens.estimateProgress", [{ uri: document.uri.toString() }]);
    await waitFor(
      "the refusal in the StepLens log",
      steplensLog,
      (log) => /refused to estimate progress \(it runs the prover model\): the workspace is not trusted/.test(log),
      15_000,
    );
    assert.deepEqual(a.engineStatus().loaded, []);
    assert.ok(a.getAnnotations(document)!.steps.every((s) => s.progress === null));
  });

  test("a workspace setting that points steplens.models.prm at a file is not honoured (restrictedConfigurations)", () => {
    const settings = vscode.workspace.getConfiguration("steplens");
    // Control: the workspace settings file is read (a setting that is not restricted applies).
    assert.equal(settings.get("prm.threshold"), WORKSPACE_THRESHOLD, "the unrestricted workspace setting applies");
    assert.equal(settings.get("models.prm"), models.prm, "the user's PRM, not the workspace's");
    const shown = a.engineStatus().models.prm ?? "";
    assert.ok(!shown.includes(WORKSPACE_PRM), `StepLens does not use the workspace's model: ${shown}`);
    assert.equal(shown, models.prm);
  });

  // VS Code refuses modal dialogs in extension tests ("DialogService: refused to show dialog in tests"),
  // which is the "no answer" case: the question must have been put, and nothing written.
  test("marking a step asks first (modal) and writes nothing without a yes", async function () {
    this.timeout(30_000);
    const labels = path.join(workspaceRoot(), ".steplens", "labels.jsonl");
    const existed = fs.existsSync(labels) ? fs.readFileSync(labels, "utf8") : null;
    const result = await vscode.commands.executeCommand("steplens.markStepIncorrect", { uri: document.uri.toString(), step: 1 });
    assert.equal(result, false, "the mark did not go ahead");
    await waitFor(
      "the question and the refusal in the StepLens log",
      steplensLog,
      (log) =>
        /This workspace is not trusted\. Mark Step 2 as incorrect in \.steplens\/labels\.jsonl/.test(log) &&
        /refused in an untrusted workspace: mark Step 2 as incorrect/.test(log),
      15_000,
    );
    assert.equal(fs.existsSync(labels) ? fs.readFileSync(labels, "utf8") : null, existed, "no label written");
    assert.equal(a.getTrace(document)?.steps.length, 4, "reading still works");
  });
});
