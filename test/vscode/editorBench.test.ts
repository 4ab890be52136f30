// Editor measurements in the real extension host (bench/editor.mjs runs only this suite with
// STEPLENS_EDITOR_BENCH=1 and writes bench/results/editor.json; in the normal suite it runs smaller
// and writes nothing). The model is the generated tiny test model (RANDOM WEIGHTS): the figures
// measure StepLens's plumbing — caching, prefix reuse, the editor round trips, memory — not a real
// PRM's speed.
//
//   - hover latency from the in-memory annotations, and for a document whose scores come from the
//     workspace's content-hash cache;
//   - time from opening a 50-step trace to its first annotation (engine already running, and cold);
//   - re-scoring after an edit of the last step vs the first step (evaluated tokens and time);
//   - extension host memory with a 100k-record dataset open in the tree.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import type { OpenDataset } from "../../src/extension/datasetTree";
import { api, closeAllEditors, EXTENSION_ID, hoverText, insideStep, resetSettings, setSetting, useTestModels, waitFor, waitForScores } from "./editorSupport";

const BENCH = process.env.STEPLENS_EDITOR_BENCH === "1";
const RECORDS = BENCH ? 100_000 : 20_000;
const REPEATS = BENCH ? 5 : 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** A collectable heap for memory figures (the host runs without --expose-gc). */
function gc(): void {
  v8.setFlagsFromString("--expose-gc");
  const run = vm.runInNewContext("gc") as () => void;
  run();
  run();
}

function traceText(steps: number, nonce: string): string {
  const lines = [`Problem: (${nonce}) We have 10 apples and 12 more each day. Find the total after ${steps} days.`, ""];
  for (let i = 1; i <= steps; i++) lines.push(`Step ${i}: Then we have ${10 + 12 * i} apples, so the total is ${10 + 12 * i}.`, "");
  return lines.join("\n");
}

async function openFresh(text: string): Promise<{ document: vscode.TextDocument; ms: number }> {
  const file = path.join(os.tmpdir(), `steplens-bench-${process.pid}-${Math.random().toString(36).slice(2)}.trace.md`);
  fs.writeFileSync(file, text);
  return { document: await vscode.workspace.openTextDocument(vscode.Uri.file(file)), ms: 0 };
}

async function timeToFirstAnnotation(a: StepLensApi, text: string): Promise<{ document: vscode.TextDocument; ms: number; fromCache: boolean }> {
  const t0 = performance.now();
  const { document } = await openFresh(text);
  await vscode.window.showTextDocument(document);
  await waitForScores(a, document, 120_000);
  return { document, ms: performance.now() - t0, fromCache: a.getLastScore(document)!.fromCache };
}

async function editStep(a: StepLensApi, document: vscode.TextDocument, index: number, insert: string): Promise<void> {
  const r = a.getTrace(document)!.steps[index]!.range!;
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, new vscode.Position(r.end.line, r.end.character), insert);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

async function rescore(document: vscode.TextDocument): Promise<{ evaluatedTokens: number; traceTokens: number; seconds: number; ms: number }> {
  const t0 = performance.now();
  const r = await vscode.commands.executeCommand<{ evaluatedTokens: number; traceTokens: number; seconds: number }>("steplens.score", {
    uri: document.uri.toString(),
  });
  assert.ok(r, "the score command returned a result");
  return { ...r, ms: performance.now() - t0 };
}

suite("Editor bench (tiny random-weight model: plumbing figures)", () => {
  let a: StepLensApi;
  const results: Record<string, unknown> = {};
  const temp: string[] = [];

  suiteSetup(async function () {
    this.timeout(120_000);
    a = await api();
    await useTestModels();
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await resetSettings();
    for (const f of temp) fs.rmSync(f, { force: true });
    if (BENCH) {
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
      const out = path.join(ext.extensionPath, "bench", "results", "editor.json");
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const host = {
        vscode: vscode.version,
        node: process.version,
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? "",
        platform: `${process.platform}-${process.arch}`,
      };
      fs.writeFileSync(
        out,
        `${JSON.stringify({ suite: "bench/editor.mjs", date: new Date().toISOString(), host, model: "generated tiny test model (steplens-test-tiny-spm, random weights), CPU, 1 thread", ...results }, null, 2)}\n`,
      );
    }
  });

  test("time from opening a 50-step trace to its first annotation: engine cold, engine running, from the cache", async function () {
    this.timeout(300_000);
    // Cold: a settings change replaces the engine, so the next open starts it (runtime + model load).
    await setSetting("local.sequences", 3);
    await a.whenIdle();
    const cold = await timeToFirstAnnotation(a, traceText(50, `cold-${Date.now()}`));
    temp.push(cold.document.uri.fsPath);
    const warm: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const w = await timeToFirstAnnotation(a, traceText(50, `warm-${i}-${Date.now()}`));
      temp.push(w.document.uri.fsPath);
      assert.equal(w.fromCache, false);
      warm.push(w.ms);
    }
    const cached: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const c = await timeToFirstAnnotation(a, cold.document.getText()); // same content as the cold one
      temp.push(c.document.uri.fsPath);
      assert.equal(c.fromCache, true, "same content: served from the workspace cache");
      cached.push(c.ms);
    }
    const last = a.getLastScore(cold.document)!.result;
    results.openToFirstAnnotation50Steps = {
      steps: 50,
      traceTokens: last.traceTokens,
      engineColdMs: round(cold.ms, 0),
      engineRunningMs: round(median(warm), 0),
      fromCacheMs: round(median(cached), 0),
      repeats: REPEATS,
      note: "from openTextDocument to every step scored (annotations ready); cold includes getLlama and loading the model",
    };
    // Wall time is compared only in the bench run (bench/editor.mjs, alone on the machine): in the
    // normal suite, on a loaded machine, a tiny model's cold start is within the noise of an open
    // (it failed in both full-suite runs on the shared 2-core machine, passed alone). What it asserts is
    // counted: every open of the same content was served from the cache (above).
    if (BENCH)
      assert.ok(
        median(cached) < cold.ms,
        `the cache is faster than a cold start: cached ${cached.map((ms) => round(ms, 0)).join(", ")} ms, cold ${round(cold.ms, 0)} ms`,
      );
  });

  test("hover latency: from the in-memory annotations and right after a cache hit", async function () {
    this.timeout(120_000);
    const { document } = await timeToFirstAnnotation(a, traceText(50, `hover-${Date.now()}`));
    temp.push(document.uri.fsPath);
    const pos = insideStep(a, document, 24);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const { text } = await hoverText(document.uri, pos);
      times.push(performance.now() - t0);
      assert.match(text, /\*\*PRM\*\*/);
    }
    // A second document with the same content: its scores come from the disk cache; hover at once.
    const twin = await timeToFirstAnnotation(a, document.getText());
    temp.push(twin.document.uri.fsPath);
    assert.equal(twin.fromCache, true);
    const t0 = performance.now();
    const { text } = await hoverText(twin.document.uri, insideStep(a, twin.document, 24));
    const afterCache = performance.now() - t0;
    assert.match(text, /\*\*PRM\*\*/);
    results.hoverLatency = {
      inMemoryMedianMs: round(median(times)),
      inMemoryP90Ms: round([...times].sort((x, y) => x - y)[Math.floor(times.length * 0.9)]!),
      samples: times.length,
      firstHoverAfterCacheHitMs: round(afterCache),
      cacheHitOpenToAnnotationMs: round(twin.ms, 0),
      note: "vscode.executeHoverProvider round trip (extension host ↔ workbench), 50-step trace, hover on step 25",
    };
  });

  test("re-scoring after an edit: last step vs first step vs the whole trace (tokens and time)", async function () {
    this.timeout(300_000);
    const { document } = await timeToFirstAnnotation(a, traceText(50, `edit-${Date.now()}`));
    temp.push(document.uri.fsPath);
    const full = a.getLastScore(document)!.result;
    const lastEdits: Awaited<ReturnType<typeof rescore>>[] = [];
    const firstEdits: Awaited<ReturnType<typeof rescore>>[] = [];
    for (let i = 0; i < REPEATS; i++) {
      await editStep(a, document, 49, ` x${i}`);
      lastEdits.push(await rescore(document));
      await editStep(a, document, 0, ` y${i}`);
      firstEdits.push(await rescore(document));
    }
    const m = (xs: typeof lastEdits, k: "evaluatedTokens" | "seconds" | "ms") => median(xs.map((x) => x[k]));
    results.rescoreAfterEdit50Steps = {
      fullScore: { evaluatedTokens: full.evaluatedTokens, traceTokens: full.traceTokens, engineSeconds: round(full.seconds, 4) },
      lastStepEdited: {
        evaluatedTokens: m(lastEdits, "evaluatedTokens"),
        engineSeconds: round(m(lastEdits, "seconds"), 4),
        commandMs: round(m(lastEdits, "ms"), 1),
      },
      firstStepEdited: {
        evaluatedTokens: m(firstEdits, "evaluatedTokens"),
        engineSeconds: round(m(firstEdits, "seconds"), 4),
        commandMs: round(m(firstEdits, "ms"), 1),
      },
      tokenRatioFirstOverLast: round(m(firstEdits, "evaluatedTokens") / m(lastEdits, "evaluatedTokens"), 1),
      timeRatioFirstOverLast: round(m(firstEdits, "seconds") / m(lastEdits, "seconds"), 1),
      repeats: REPEATS,
      note: "steplens.score after each edit; engineSeconds is the engine's own time, commandMs the command round trip",
    };
    assert.ok(m(lastEdits, "evaluatedTokens") < m(firstEdits, "evaluatedTokens"));
    await vscode.commands.executeCommand("workbench.action.files.revert");
  });

  test(`extension host memory with a ${RECORDS.toLocaleString("en")}-record dataset open in the tree`, async function () {
    this.timeout(600_000);
    await closeAllEditors();
    const source = JSON.parse(
      fs.readFileSync(path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, "datasets", "gsm8k-sample.jsonl"), "utf8").split("\n")[2]!,
    );
    const file = path.join(os.tmpdir(), `steplens-bench-${RECORDS}-${process.pid}.jsonl`);
    temp.push(file);
    const fd = fs.openSync(file, "w");
    let chunk = "";
    for (let i = 0; i < RECORDS; i++) {
      chunk += `${JSON.stringify({ ...source, id: `bench-${i}`, label: (i % 5) - 1 })}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = "";
      }
    }
    fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    gc();
    const before = process.memoryUsage();
    // The records' rows the Datasets view asks for (it renders the first page once it is shown): a
    // spy on the tree's getTreeItem that hands every call on; the test's own calls are not counted.
    let viewRows = 0;
    let counting = true;
    const getTreeItem = a.datasets.getTreeItem.bind(a.datasets);
    a.datasets.getTreeItem = (node) => {
      if (counting && node.kind === "record" && node.dataset.file === file) viewRows++;
      return getTreeItem(node);
    };
    const t0 = performance.now();
    const d = (await vscode.commands.executeCommand<OpenDataset>("steplens.openDataset", vscode.Uri.file(file)))!;
    const openMs = performance.now() - t0;
    assert.equal(d.index.size, RECORDS);
    await vscode.commands.executeCommand("steplensDatasets.focus");
    const root = a.datasets.getChildren().find((n) => n.kind === "dataset" && n.dataset.file === file)!;
    counting = false;
    const t1 = performance.now();
    const children = a.datasets.getChildren(root);
    for (const c of children) a.datasets.getTreeItem(c);
    const pageMs = performance.now() - t1;
    counting = true;
    assert.equal(children.filter((c) => c.kind === "record").length, 200);
    try {
      await waitFor(
        "the Datasets view to ask for the first page's 200 record rows",
        () => viewRows,
        (n) => n >= 200,
        30_000,
      );
    } finally {
      delete (a.datasets as { getTreeItem?: unknown }).getTreeItem; // the class's own method again
    }
    gc();
    const after = process.memoryUsage();
    const t2 = performance.now();
    a.datasets.setFilter(d, { label: "correct" });
    const filtered = a.datasets.getChildren(root).filter((c) => c.kind === "record").length;
    const filterMs = performance.now() - t2;
    assert.equal(filtered, 200);
    const mb = (b: number) => round(b / 1048576, 1);
    results.datasetMemory = {
      records: RECORDS,
      fileMB: mb(fs.statSync(file).size),
      indexSeconds: round(d.index.stats.seconds, 2),
      openCommandMs: round(openMs, 0),
      indexMB: mb(d.index.memoryBytes()),
      heapUsedBeforeMB: mb(before.heapUsed),
      heapUsedAfterMB: mb(after.heapUsed),
      heapDeltaMB: mb(after.heapUsed - before.heapUsed),
      rssBeforeMB: mb(before.rss),
      rssAfterMB: mb(after.rss),
      rssDeltaMB: mb(after.rss - before.rss),
      externalDeltaMB: mb(after.external + after.arrayBuffers - before.external - before.arrayBuffers),
      firstPageMs: round(pageMs, 1),
      filterMs: round(filterMs, 1),
      note: "process.memoryUsage() of the extension host after a forced GC, before opening and with the first page (200 records) shown",
    };
    await vscode.commands.executeCommand("steplens.closeDataset", file);
  });
});
