/**
 * The trace inspector: a webview panel (dist/webview.js from webview/main.ts) with the step-score
 * chart, the verifier × step agreement matrix, PAV progress and the steps in full with rendered math.
 * The host builds an InspectorState (src/inspector/traceView.ts, plain data) from the annotations and
 * sends it whenever they change; it follows the editor's cursor (the step under it is highlighted)
 * and the webview's clicks reveal steps in the editor. Actions run the editor's own commands (score,
 * verify, estimate progress, label a step), so the two never disagree. Every message from the
 * webview is validated (`parseInspectorMessage`).
 *
 * Strict CSP: `default-src 'none'`, the one script by nonce, styles and KaTeX's fonts only from
 * dist/ and media/ (asWebviewUri), no eval. A serializer restores the panel after a window reload.
 */
import path from "node:path";
import * as vscode from "vscode";
import { stepAtPosition } from "../annotations/stepAnnotations";
import { parseInspectorMessage, type InspectorHostMessage, type InspectorState, type InspectorWebviewMessage } from "../inspector/protocol";
import { traceViewOf, type ProgressLike } from "../inspector/traceView";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";
import { toRange } from "./ranges";
import { fileLabel } from "./traceDocuments";
import { webviewHtml, webviewOptions } from "./webviewHtml";
import { WebviewPanelHost } from "./webviewPanelHost";

// Moved to ./webviewHtml.ts; still exported from here.
export { webviewHtml, webviewOptions };

export const INSPECTOR_VIEW_TYPE = "steplens.inspector";
/** The progress engineer's command; the inspector offers it once it is registered. */
export const ESTIMATE_PROGRESS_COMMAND = "steplens.estimateProgress";

/** Kept for callers of the first inspector: the inspector's HTML. */
export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  return webviewHtml(webview, extensionUri, { script: "webview.js", title: "StepLens Inspector", nonce });
}

export class InspectorPanel extends WebviewPanelHost<InspectorHostMessage> {
  private document: vscode.TextDocument | undefined;
  private focused = -1;
  private progressCommand = false;
  private readonly progressByUri = new Map<string, ProgressLike>();
  /** The last state sent (tests read it). */
  lastState: InspectorState | null = null;
  /** Milliseconds from creating the panel to the webview's first drawn chart, once it reported it. */
  firstRenderMs: number | null = null;
  private createdAt = 0;

  constructor(private readonly ctx: StepLensContext) {
    super(ctx.extension.extensionUri);
    this.subscriptions.push(
      ctx.annotations.onDidChange((uri) => {
        if (this.document && uri.toString() === this.document.uri.toString()) void this.post();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.document && d.uri.toString() === this.document.uri.toString()) {
          this.document = undefined;
          this.send({ type: "empty", reason: "The trace was closed. Open a trace and run “StepLens: Open Inspector”." });
        }
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.cursorMoved(e)),
    );
  }

  /** Shows the inspector for `document` (creating the panel beside the editor the first time). */
  show(document: vscode.TextDocument): void {
    this.document = document;
    this.focused = -1;
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        INSPECTOR_VIEW_TYPE,
        this.title(document),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        webviewOptions(this.ctx.extension.extensionUri),
      );
      this.attach(panel);
    } else {
      this.panel.title = this.title(document);
      this.panel.reveal(undefined, true);
      void this.post();
    }
  }

  /** The serializer's entry: a panel restored after a reload, with the state the webview saved. */
  async restore(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    const uri = typeof saved === "object" && saved !== null ? (saved as { state?: { uri?: unknown } }).state?.uri : undefined;
    if (this.panel) {
      // One inspector at a time: a second restored panel closes.
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.ctx.extension.extensionUri);
    if (typeof uri === "string") {
      try {
        this.document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
        panel.title = this.title(this.document);
      } catch (e) {
        this.ctx.log.warn(`inspector: cannot reopen ${uri} after the reload (${(e as Error).message})`);
      }
    }
    this.attach(panel);
  }

  /** Progress from the progress pipeline for a trace (shown until the document's annotations carry their own). */
  setProgress(uri: vscode.Uri, progress: ProgressLike | null): void {
    if (progress) this.progressByUri.set(uri.toString(), progress);
    else this.progressByUri.delete(uri.toString());
    if (this.document?.uri.toString() === uri.toString()) void this.post();
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Handles one message as if the webview had sent it (the webview's channel, and the tests). */
  override async receive(raw: unknown): Promise<void> {
    const m = parseInspectorMessage(raw);
    if (!m) {
      this.ctx.log.warn(`inspector: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    await this.handle(m);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.createdAt = performance.now();
    this.firstRenderMs = null;
    this.attachPanel(panel, { script: "webview.js", title: "StepLens Inspector" });
  }

  protected override onPanelClosed(): void {
    this.lastState = null;
  }

  private title(document: vscode.TextDocument): string {
    return `Inspector: ${path.basename(document.uri.path)}`;
  }

  private async handle(m: InspectorWebviewMessage): Promise<void> {
    const document = this.document;
    switch (m.type) {
      case "ready":
        this.ready = true;
        await this.post();
        return;
      case "rendered":
        this.firstRenderMs ??= performance.now() - this.createdAt;
        return;
      case "reveal": {
        if (!document) return;
        const step = this.ctx.traces.get(document)?.steps[m.step];
        if (!step?.range) return;
        const range = toRange(step.range);
        this.focused = m.step;
        const editor = await vscode.window.showTextDocument(document, {
          viewColumn: this.editorColumn(document),
          selection: new vscode.Range(range.start, range.start),
        });
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        return;
      }
      case "run": {
        if (!document) return;
        const command = m.action === "score" ? CommandId.score : m.action === "verify" ? CommandId.verify : ESTIMATE_PROGRESS_COMMAND;
        if (m.action === "progress" && !(await this.hasProgressCommand())) {
          void vscode.window.showInformationMessage("StepLens: progress estimation is not available in this version.");
          return;
        }
        await vscode.commands.executeCommand(command, { uri: document.uri.toString() });
        return;
      }
      case "label": {
        if (!document) return;
        const command = {
          correct: CommandId.markStepCorrect,
          incorrect: CommandId.markStepIncorrect,
          "first-error": CommandId.markStepFirstError,
          clear: CommandId.clearStepLabel,
        }[m.label];
        await vscode.commands.executeCommand(command, { uri: document.uri.toString(), step: m.step });
        return;
      }
    }
  }

  private async hasProgressCommand(): Promise<boolean> {
    if (!this.progressCommand) this.progressCommand = (await vscode.commands.getCommands(true)).includes(ESTIMATE_PROGRESS_COMMAND);
    return this.progressCommand;
  }

  /** The editor's cursor moved: the inspector highlights the step under it. */
  private cursorMoved(e: vscode.TextEditorSelectionChangeEvent): void {
    if (!this.panel || !this.document || e.textEditor.document !== this.document) return;
    const a = this.ctx.annotations.annotations(this.document);
    const pos = e.selections[0]?.active;
    if (!a || !pos) return;
    const step = stepAtPosition(a, pos.line, pos.character)?.index ?? -1;
    if (step === this.focused) return;
    this.focused = step;
    if (step >= 0) this.send({ type: "focusStep", step });
  }

  private editorColumn(document: vscode.TextDocument): vscode.ViewColumn | undefined {
    return vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
  }

  private async post(): Promise<void> {
    if (!this.panel) return;
    const document = this.document;
    if (!document) {
      this.send({ type: "empty", reason: "Open a trace and run “StepLens: Open Inspector”." });
      return;
    }
    const trace = this.ctx.traces.get(document);
    const annotations = this.ctx.annotations.annotations(document);
    if (!trace || !annotations) {
      this.send({ type: "empty", reason: `${path.basename(fileLabel(document.uri))} is not a trace StepLens can read.` });
      return;
    }
    const trusted = vscode.workspace.isTrusted;
    const state = traceViewOf(trace, annotations, {
      uri: document.uri.toString(),
      title: path.basename(document.uri.path),
      tau: this.ctx.configuration.current.verify.tau,
      progress: annotations.steps.some((s) => s.progress) ? null : (this.progressByUri.get(document.uri.toString()) ?? null),
      actions: { score: trusted, verify: trusted, progress: trusted && (await this.hasProgressCommand()), label: true },
    });
    this.lastState = state;
    this.send({ type: "state", state });
  }
}

/** Restores inspector panels after a window reload. */
export function registerInspectorSerializer(ctx: StepLensContext): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
    deserializeWebviewPanel: (panel, state) => ctx.inspector.restore(panel, state),
  });
}
