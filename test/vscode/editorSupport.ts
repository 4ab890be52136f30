/**
 * Helpers for the editor-experience tests (annotations, labels, datasets) in the real extension
 * host. The models are the test suite's generated GGUFs (test/support/testModels.ts): RANDOM
 * WEIGHTS, so every score tests plumbing, never judgement.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type { StepLensApi } from "../../src/extension/context";
import { testModel } from "../support/testModels";
import { waitFor as pollUntil } from "../support/wait";

export const EXTENSION_ID = "steplens.steplens";

export async function api(): Promise<StepLensApi> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return (await ext.activate()) as StepLensApi;
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "the fixture workspace is open");
  return folder.uri.fsPath;
}

export function fixtureUri(...parts: string[]): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceRoot(), ...parts));
}

const settings = () => vscode.workspace.getConfiguration("steplens");

/** Sets a `steplens.*` user setting (Global: the run's own user-data folder, never the fixture folder). */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await settings().update(key, value, vscode.ConfigurationTarget.Global);
}

/** The PRM and verifier settings every editor suite starts from: the tiny generated models on one thread. */
export async function useTestModels(): Promise<{ prm: string; verifier: string }> {
  const prm = await testModel({ tokenizer: "spm" });
  const verifier = await testModel({ tokenizer: "spm", chatTemplate: true });
  await setSetting("engine.kind", "local");
  await setSetting("local.gpu", "off");
  await setSetting("local.maxThreads", 1);
  await setSetting("local.sequences", 2);
  await setSetting("run.trigger", "open-save");
  await setSetting("prm.threshold", 0.5);
  await setSetting("models.prm", prm);
  await setSetting("models.verifier", verifier);
  return { prm, verifier };
}

/** Puts every setting the editor suites touch back to its default. */
export async function resetSettings(): Promise<void> {
  for (const key of [
    "engine.kind",
    "local.gpu",
    "local.maxThreads",
    "local.sequences",
    "local.contextSize",
    "run.trigger",
    "prm.threshold",
    "models.prm",
    "models.verifier",
    "verify.samples",
    "verify.constrained",
    "annotations.hover",
    "annotations.codeLens",
  ])
    await setSetting(key, undefined);
}

/** Every line of the StepLens log files the extension host wrote in this run ($STEPLENS_TEST_LOGS_DIR). */
export function steplensLog(): string {
  const dir = process.env.STEPLENS_TEST_LOGS_DIR;
  assert.ok(dir, "the runner sets STEPLENS_TEST_LOGS_DIR");
  if (!fs.existsSync(dir)) return "";
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => /StepLens\.log$/i.test(name))
    .map((name) => fs.readFileSync(path.join(dir, name), "utf8"))
    .join("\n");
}

/** Polls `read` until `ok(value)` (every 50 ms, 30 s by default); fails naming `what` and the last value. */
export function waitFor<T>(what: string, read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  return pollUntil(what, read, ok, { timeoutMs, intervalMs: 50 });
}

/** Waits until `document` has PRM scores for its current version's steps. */
export async function waitForScores(a: StepLensApi, document: vscode.TextDocument, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `scores for ${path.basename(document.uri.path)} v${document.version}`,
    () => a.getAnnotations(document),
    (ann) => ann !== undefined && ann.steps.length > 0 && ann.steps.every((s) => s.score !== null),
    timeoutMs,
  );
}

/** The hover's Markdown at a position, all contents joined. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<{ text: string; hovers: vscode.Hover[] }> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", uri, position)) ?? [];
  const text = hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === "string" ? c : "value" in c ? c.value : ""))
    .join("\n");
  return { text, hovers };
}

/** StepLens diagnostics of a document. */
export function steplensDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === "StepLens");
}

/** Removes the fixture workspace's label sidecar folder (tests must leave the fixtures clean). */
export function removeLabels(): void {
  fs.rmSync(path.join(workspaceRoot(), ".steplens"), { recursive: true, force: true });
}

export function labelsFile(): string {
  return path.join(workspaceRoot(), ".steplens", "labels.jsonl");
}

export function readLabelLines(): { trace: string; step: number; label: string }[] {
  try {
    return fs
      .readFileSync(labelsFile(), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** A position inside step `index` (0-based) of the document's trace. */
export function insideStep(a: StepLensApi, document: vscode.TextDocument, index: number): vscode.Position {
  const step = a.getTrace(document)?.steps[index];
  assert.ok(step?.range, `step ${index + 1} has a range`);
  return new vscode.Position(step.range.start.line, step.range.start.character + 2);
}

/** Where step `index` (0-based) of the document's trace starts; asserts that the step and its range are there. */
export function stepStart(a: StepLensApi, document: vscode.TextDocument, index: number): { line: number; character: number } {
  const step = a.getTrace(document)?.steps[index];
  assert.ok(step?.range, `step ${index + 1} has a range`);
  return step.range.start;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.closeAllEditors");
}

/** What an editor suite starts from: the API, the test models' paths and its trace open in an editor. */
export interface OpenedTrace {
  a: StepLensApi;
  models: { prm: string; verifier: string };
  document: vscode.TextDocument;
}

/**
 * The common start of the editor suites: no labels left by another suite (`freshLabels`), the test
 * models (useTestModels) plus any `settings`, then `trace` (a fixture path) open in an editor and,
 * unless `scored` is false, scored (waitForScores, 90 s).
 */
export async function openTestTrace(
  trace: string,
  options: { freshLabels?: boolean; settings?: Record<string, unknown>; scored?: boolean } = {},
): Promise<OpenedTrace> {
  if (options.freshLabels) removeLabels();
  const a = await api();
  const models = await useTestModels();
  for (const [key, value] of Object.entries(options.settings ?? {})) await setSetting(key, value);
  const document = await vscode.workspace.openTextDocument(fixtureUri(trace));
  await vscode.window.showTextDocument(document);
  if (options.scored !== false) await waitForScores(a, document, 90_000);
  return { a, models, document };
}

/** The common end of the editor suites: editors closed, settings back to their defaults, and (`labels`) the label sidecar removed. */
export async function closeTestTrace(options: { labels?: boolean } = {}): Promise<void> {
  await closeAllEditors();
  await resetSettings();
  if (options.labels) removeLabels();
}

/** A file of the open workspace's outline/ folder (the runner's copy of test/fixtures/workspace/outline). */
export function outlineFixture(name: string): vscode.Uri {
  return fixtureUri("outline", name);
}

/** "line:character-line:character" of a range. */
export function rangeOf(r: vscode.Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** The document symbols of `uri` (what the Outline view asks for). */
export async function symbolsOf(uri: vscode.Uri): Promise<vscode.DocumentSymbol[]> {
  return (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>("vscode.executeDocumentSymbolProvider", uri)) ?? [];
}

/** The folding ranges of `uri` (what the folding controller asks for) as [start, end] lines, by start. */
export async function foldLines(uri: vscode.Uri): Promise<number[][]> {
  const ranges = (await vscode.commands.executeCommand<vscode.FoldingRange[]>("vscode.executeFoldingRangeProvider", uri)) ?? [];
  return ranges.map((r) => [r.start, r.end]).sort((a, b) => a[0]! - b[0]!);
}
