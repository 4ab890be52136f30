// The inspector and the dataset dashboard in the real extension host: the messages between the
// host and the webviews (state sent, steps revealed, labels applied through the editor's commands,
// the cursor followed, invalid messages ignored; the dashboard's summary, a threshold move answered
// with the recomputed metrics, record lists, a record opened, the threshold written to settings).
// Scores come from the generated tiny test model (RANDOM WEIGHTS: plumbing, not judgement).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import { processBenchMetricsByHand, sameMetric } from "../support/processBenchMetrics";
import type { DashboardHostMessage, InspectorHostMessage } from "../../src/inspector/protocol";
import { closeTestTrace, fixtureUri, insideStep, openTestTrace, readLabelLines, stepStart, waitFor } from "./editorSupport";

const TRACE = "cyclist-speed.trace.md";
const DATASET = path.join("datasets", "gsm8k-sample.jsonl");

function lastOf<T extends { type: string }, K extends T["type"]>(sent: readonly T[], type: K): Extract<T, { type: K }> | undefined {
  for (const m of [...sent].reverse()) if (m.type === type) return m as Extract<T, { type: K }>;
  return undefined;
}

suite("Inspector and dataset dashboard: host ⇄ webview messages", () => {
  let a: StepLensApi;
  let document: vscode.TextDocument;

  suiteSetup(async function () {
    this.timeout(120_000);
    ({ a, document } = await openTestTrace(TRACE, { freshLabels: true }));
  });

  suiteTeardown(() => closeTestTrace({ labels: true }));

  test("the inspector sends the whole state once its webview is ready: full step text, scores, actions", async function () {
    this.timeout(60_000);
    assert.equal(await vscode.commands.executeCommand("steplens.openInspector", { uri: document.uri.toString() }), true);
    const state = await waitFor(
      "the inspector state",
      () => a.inspector.lastState,
      (s) => s !== null && s.steps.length === 4 && s.steps.every((x) => x.score !== null),
      30_000,
    );
    assert.equal(state!.uri, document.uri.toString());
    const [firstShown] = state!.steps;
    const [firstInTrace] = a.getTrace(document)!.steps;
    assert.ok(firstShown && firstInTrace, "the inspector and the trace have a step 1");
    assert.equal(firstShown.text, firstInTrace.text, "the step in full");
    assert.ok(state!.actions.score && state!.actions.verify && state!.actions.label);
    assert.equal(state!.prmFirstError, a.getAnnotations(document)!.firstErrorBy.prm);
    await waitFor(
      "the webview's first render",
      () => a.inspector.firstRenderMs,
      (ms) => ms !== null && ms > 0,
      30_000,
    );
    const sent = a.inspector.sent.filter((m) => m.type === "state");
    assert.ok(sent.length >= 1, "a state message went to the webview");
  });

  test("reveal: a step clicked in the inspector becomes the editor's selection", async () => {
    await a.inspector.receive({ type: "reveal", step: 2 });
    const editor = await waitFor(
      "the editor on step 3",
      () => vscode.window.activeTextEditor,
      (e) => e?.document === document && e.selection.active.line === stepStart(a, document, 2).line,
    );
    assert.equal(editor!.selection.active.character, stepStart(a, document, 2).character);
  });

  test("the editor's cursor moving into a step sends focusStep", async () => {
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One });
    const pos = insideStep(a, document, 1);
    editor.selection = new vscode.Selection(pos, pos);
    const m = await waitFor(
      "a focusStep message",
      () => lastOf<InspectorHostMessage, "focusStep">(a.inspector.sent, "focusStep"),
      (x) => x?.step === 1,
      15_000,
    );
    assert.equal(m!.step, 1);
  });

  test("label: the inspector labels a step through the editor's command (the sidecar file and the state agree)", async () => {
    await a.inspector.receive({ type: "label", step: 1, label: "incorrect" });
    await waitFor(
      "the label line",
      () => readLabelLines(),
      (l) => l.some((x) => x.trace === TRACE && x.step === 1 && x.label === "incorrect"),
      15_000,
    );
    const s = await waitFor(
      "the labelled state",
      () => a.inspector.lastState,
      (x) => x?.steps[1]?.label === "incorrect",
      15_000,
    );
    assert.equal(s!.labelFirstError, 1);
    await a.inspector.receive({ type: "label", step: 1, label: "clear" });
    await waitFor(
      "the label cleared",
      () => a.inspector.lastState,
      (x) => x?.steps[1]?.label === null,
      15_000,
    );
  });

  test("invalid messages from the webview are ignored (nothing runs, nothing is sent)", async () => {
    const before = a.inspector.sent.length;
    for (const bad of [
      { type: "run", action: "rm" },
      { type: "reveal", step: -3 },
      { type: "label", step: 1, label: "owned" },
      "ready",
      null,
      { type: "eval", code: "process.exit(1)" },
    ])
      await a.inspector.receive(bad);
    assert.equal(a.inspector.sent.length, before);
    assert.equal(readLabelLines().filter((l) => l.label === "owned").length, 0);
  });

  test("dashboard: summary, a threshold move answered with the metrics the model computes, records, open a record, save the threshold", async function () {
    this.timeout(90_000);
    // Step scores for the sample's records, as `eval processbench --out` writes them.
    const file = fixtureUri(DATASET).fsPath;
    // The sample holds one broken record on purpose (the tree shows it as unreadable; the dashboard leaves it out).
    const parse = (l: string) => {
      try {
        return [JSON.parse(l) as { id: string; steps: string[]; label: number }];
      } catch {
        return [];
      }
    };
    const lines = fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .flatMap(parse);
    assert.ok(lines.length >= 5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-dash-"));
    const raw = path.join(dir, "raw.jsonl");
    const scored = lines.map((r, k) => ({
      label: r.label,
      record: { id: r.id, subset: "gsm8k", scores: r.steps.map((_, i) => ((k * 7 + i * 13) % 10) / 10 + 0.05) },
    }));
    fs.writeFileSync(raw, scored.map((s) => JSON.stringify(s.record)).join("\n") + "\n");
    assert.equal(await vscode.commands.executeCommand("steplens.openDatasetDashboard", { dataset: file, scores: raw }), true);
    const summary = await waitFor(
      "the dashboard summary",
      () => a.dashboard.lastSummary,
      (s) => s !== null && s.scored === lines.length,
      30_000,
    );
    assert.equal(summary!.records, lines.length);
    assert.equal(summary!.labelled, lines.length);
    assert.match(summary!.sources.join(" "), /raw\.jsonl/);
    await waitFor(
      "the dashboard's first chart",
      () => a.dashboard.timings.firstChartMs,
      (ms) => ms !== null,
      30_000,
    );

    await a.dashboard.receive({ type: "threshold", value: 0.3 });
    const view = lastOf<DashboardHostMessage, "view">(a.dashboard.sent, "view")!;
    assert.equal(view.view.threshold, 0.3);
    // The metrics by hand from the sample's labels and the scores written above (not by DashboardModel).
    const hand = processBenchMetricsByHand(
      scored.map((s) => ({ label: s.label, scores: s.record.scores })),
      0.3,
    );
    assert.ok(hand.accError !== null && hand.accCorrect !== null, "the sample has erroneous and all-correct traces");
    assert.deepEqual(
      view.view.subsets.map((s) => s.subset),
      ["gsm8k"],
    );
    const [shown] = view.view.subsets;
    assert.ok(shown, "the dashboard shows the gsm8k subset");
    assert.equal(shown.n, hand.n);
    for (const k of ["accError", "accCorrect", "f1"] as const) assert.ok(sameMetric(shown[k], hand[k]), `${k} at 0.3: ${shown[k]} shown, ${hand[k]} by hand`);
    assert.ok(sameMetric(view.view.averageF1, hand.f1), `average F1 at 0.3: ${view.view.averageF1} shown, ${hand.f1} by hand`);

    await a.dashboard.receive({ type: "select", selection: { kind: "position", series: "label", bin: 0 } });
    const rec = lastOf<DashboardHostMessage, "records">(a.dashboard.sent, "records")!;
    assert.equal(rec.total, lines.filter((r) => r.label === -1).length);
    assert.ok(rec.rows.every((r) => r.label === -1));

    await a.dashboard.receive({ type: "openRecord", record: 0 });
    await waitFor(
      "the record opened as a trace document",
      () => vscode.window.activeTextEditor?.document.uri,
      (u) => u?.scheme === "steplens-record",
      30_000,
    );

    const before = a.dashboard.sent.length;
    await a.dashboard.receive({ type: "threshold", value: 7 });
    await a.dashboard.receive({ type: "openRecord", record: "0; rm -rf /" });
    assert.equal(a.dashboard.sent.length, before, "invalid messages are ignored");

    // The button writes the workspace settings: leave the fixture folder as it was.
    const settingsDir = path.join(path.dirname(path.dirname(file)), ".vscode");
    const hadSettings = fs.existsSync(settingsDir);
    await a.dashboard.receive({ type: "saveThreshold", value: 0.42 });
    await waitFor(
      "the threshold in the settings",
      () => vscode.workspace.getConfiguration("steplens").get<number>("prm.threshold"),
      (v) => v === 0.42,
      15_000,
    );
    assert.equal(lastOf<DashboardHostMessage, "saved">(a.dashboard.sent, "saved")?.threshold, 0.42);
    await vscode.workspace.getConfiguration("steplens").update("prm.threshold", undefined, vscode.ConfigurationTarget.Workspace);
    if (!hadSettings) fs.rmSync(settingsDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    // Leave the tree as the next suites expect it: the dashboard's scores attached predictions to this dataset.
    a.datasets.close(file);
  });
});
