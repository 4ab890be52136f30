/**
 * The inspector: a webview panel (dist/webview.js, webview/main.ts) with a trace's score chart, the
 * verifier agreement chart and a steps table. The host builds an InspectorState (plain data,
 * src/inspector/protocol.ts) from the annotations and sends it whenever they change; the webview
 * asks to reveal a step or to run Score / Verify, and every message it sends is validated with
 * `parseWebviewMessage` (it is not trusted either).
 *
 * Strict CSP: `default-src 'none'`, the one script by nonce, styles only from media/inspector.css
 * (through asWebviewUri), `localResourceRoots` limited to dist/ and media/. Trace text travels as
 * data and is rendered with textContent only.
 */
import crypto from "node:crypto";
import path from "node:path";
import * as vscode from "vscode";
import type { TraceAnnotations } from "../annotations/stepAnnotations";
import type { Trace } from "../core/trace";
import { parseWebviewMessage, type HostToWebview, type InspectorState } from "../inspector/protocol";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";
import { toRange } from "./ranges";
import { preview } from "./stepLabels";
import { fileLabel } from "./traceDocuments";

export const INSPECTOR_VIEW_TYPE = "steplens.inspector";

/** The inspector's state for a trace and its annotations (plain data; previews are plain text). */
export function inspectorState(title: string, trace: Trace, a: TraceAnnotations, tau: number): InspectorState {
  return {
    title,
    demo: a.demo,
    threshold: a.threshold,
    // A model path is shown by its file name (the hover and status have the full path).
    model: a.model && /[\\/]/.test(a.model) && !/^hf:/i.test(a.model) ? path.basename(a.model) : a.model,
    samples: a.verifierSamples,
    tau,
    firstError: a.firstError ? a.firstError.index : -1,
    steps: a.steps.map((s) => ({
      index: s.index,
      preview: preview(trace.steps[s.index]?.text ?? "", 140),
      score: s.score,
      verdicts: s.verifiers ? { incorrect: s.verifiers.incorrect, correct: s.verifiers.correct, missing: s.verifiers.missing } : null,
      label: s.label,
      isFirstError: s.isFirstError,
    })),
  };
}

export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview.js"));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", "inspector.css"));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>StepLens Inspector</title>
</head>
<body>
<div id="root"><p class="empty">Loading…</p></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

export class InspectorPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private document: vscode.TextDocument | undefined;
  private ready = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  private panelSubscriptions: vscode.Disposable[] = [];
  /** The last state sent (tests read it). */
  lastState: InspectorState | null = null;

  constructor(private readonly ctx: StepLensContext) {
    this.subscriptions.push(
      ctx.annotations.onDidChange((uri) => {
        if (this.document && uri.toString() === this.document.uri.toString()) this.post();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.document && d.uri.toString() === this.document.uri.toString()) {
          this.document = undefined;
          this.send({ type: "empty", reason: "The trace was closed. Open a trace and run “StepLens: Open Inspector”." });
        }
      }),
    );
  }

  /** Shows the inspector for `document` (creating the panel beside the editor the first time). */
  show(document: vscode.TextDocument): void {
    this.document = document;
    if (!this.panel) {
      const extensionUri = this.ctx.extension.extensionUri;
      this.panel = vscode.window.createWebviewPanel(
        INSPECTOR_VIEW_TYPE,
        this.title(document),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          retainContextWhenHidden: false,
          localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
        },
      );
      this.panel.iconPath = vscode.Uri.joinPath(extensionUri, "media", "icon.png");
      this.ready = false;
      this.panelSubscriptions = [
        this.panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
        this.panel.onDidDispose(() => {
          for (const s of this.panelSubscriptions) s.dispose();
          this.panelSubscriptions = [];
          this.panel = undefined;
          this.lastState = null;
        }),
      ];
      this.panel.webview.html = inspectorHtml(this.panel.webview, extensionUri, crypto.randomBytes(16).toString("base64"));
    } else {
      this.panel.title = this.title(document);
      this.panel.reveal(undefined, true);
      this.post();
    }
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  private title(document: vscode.TextDocument): string {
    return `Inspector: ${path.basename(document.uri.path)}`;
  }

  private receive(raw: unknown): void {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.ctx.log.warn(`inspector: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const document = this.document;
    if (m.type === "ready") {
      this.ready = true;
      this.post();
    } else if (m.type === "reveal" && document) {
      const trace = this.ctx.traces.get(document);
      const step = trace?.steps[m.step];
      if (!step?.range) return;
      const range = toRange(step.range);
      void vscode.window.showTextDocument(document, { viewColumn: this.editorColumn(document), selection: new vscode.Range(range.start, range.start) }).then((editor) => {
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      });
    } else if (m.type === "run" && document) {
      const command = m.action === "score" ? CommandId.score : CommandId.verify;
      void vscode.commands.executeCommand(command, { uri: document.uri.toString() });
    }
  }

  private editorColumn(document: vscode.TextDocument): vscode.ViewColumn | undefined {
    return vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
  }

  private post(): void {
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
    const state = inspectorState(path.basename(document.uri.path), trace, annotations, this.ctx.configuration.current.verify.tau);
    this.lastState = state;
    this.send({ type: "state", state });
  }

  private send(message: HostToWebview): void {
    if (!this.panel || !this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const s of this.panelSubscriptions) s.dispose();
    this.panel?.dispose();
  }
}
