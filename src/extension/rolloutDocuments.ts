/**
 * A reward-log rollout as a read-only document (`steplens-rollout:` URIs): the text comes from
 * src/inspector/rolloutText.ts (the steps as the judge saw them, after the gate's cut); each step's
 * judge value shows on hover, and a rollout the gate stopped carries one diagnostic per reason code
 * (source "StepLens gate", code = the reason code, the gate's own detail as the message). Plain text
 * only: the rollout is untrusted. The scores shown are the ones the trainer got (from the log): the
 * document is not scored again.
 */
import * as vscode from "vscode";
import { rolloutText, stepHoverText, type RolloutText } from "../inspector/rolloutText";
import { parseRecordOfFileUri, recordOfFileUri } from "./recordUri";
import type { RewardLogViews } from "./rewardLogs";

export const ROLLOUT_SCHEME = "steplens-rollout";

export interface RolloutRef {
  log: string;
  record: number;
  id: string;
}

export function rolloutUri(ref: RolloutRef): vscode.Uri {
  return recordOfFileUri(ROLLOUT_SCHEME, "log", ".rollout", { file: ref.log, record: ref.record, id: ref.id });
}

export function parseRolloutUri(uri: vscode.Uri): RolloutRef | undefined {
  const r = parseRecordOfFileUri(uri, ROLLOUT_SCHEME, "log");
  return r && { log: r.file, record: r.record, id: r.id };
}

export class RolloutDocuments implements vscode.TextDocumentContentProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly rendered = new Map<string, RolloutText>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection("steplens-gate");
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly views: RewardLogViews,
    private readonly threshold: () => number,
  ) {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(ROLLOUT_SCHEME, this),
      vscode.languages.registerHoverProvider({ scheme: ROLLOUT_SCHEME }, this),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme !== ROLLOUT_SCHEME) return;
        this.rendered.delete(d.uri.toString());
        this.diagnostics.delete(d.uri);
      }),
      this.diagnostics,
    ];
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = parseRolloutUri(uri);
    if (!ref) throw new Error(`not a StepLens rollout URI: ${uri.toString()}`);
    const log = this.views.get(ref.log) ?? (await this.views.open(ref.log));
    const line = await log.index.load(ref.record);
    const r = rolloutText(line);
    this.rendered.set(uri.toString(), r);
    this.diagnostics.set(uri, gateDiagnostics(r));
    return r.text;
  }

  /** The rendering of an open rollout document (tests read it). */
  renderedOf(uri: vscode.Uri): RolloutText | undefined {
    return this.rendered.get(uri.toString());
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const r = this.rendered.get(document.uri.toString());
    const step = r?.steps.find((s) => position.line >= s.startLine && position.line <= s.endLine);
    if (!step) return undefined;
    const md = new vscode.MarkdownString();
    md.appendText(stepHoverText(step, this.threshold()));
    const end = document.lineAt(step.endLine).range.end;
    return new vscode.Hover(md, new vscode.Range(step.startLine, 0, end.line, end.character));
  }

  async open(ref: RolloutRef): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(rolloutUri(ref));
    return vscode.window.showTextDocument(document, { preview: true });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.rendered.clear();
  }
}

/** One diagnostic per gate reason, on the header's gate line. */
export function gateDiagnostics(r: RolloutText): vscode.Diagnostic[] {
  if (r.gate.passed) return [];
  return r.gate.codes.map((code, i) => {
    const d = new vscode.Diagnostic(
      new vscode.Range(r.gateLine, 0, r.gateLine, 400),
      `Gate ${code}: ${r.gate.details[i] ?? "failed"}`,
      vscode.DiagnosticSeverity.Warning,
    );
    d.source = "StepLens gate";
    d.code = code;
    return d;
  });
}
