/**
 * What every StepLens webview panel host shares (the inspector, the dataset dashboard): the panel it
 * shows, the ready gate (nothing is posted before the webview says "ready"; a new panel waits
 * again), the log of the last messages sent (tests read it), and the pair of disposals — the
 * panel's own subscriptions when the panel closes, everything on dispose().
 */
import * as vscode from "vscode";
import { webviewHtml } from "./webviewHtml";

/** How many sent messages are kept for the tests. */
const SENT_KEPT = 50;

export abstract class WebviewPanelHost<HostMessage> implements vscode.Disposable {
  protected panel: vscode.WebviewPanel | undefined;
  /** The webview has said "ready": messages can be posted. */
  protected ready = false;
  /** Subscriptions for the host's whole life. */
  protected readonly subscriptions: vscode.Disposable[] = [];
  private panelSubscriptions: vscode.Disposable[] = [];
  /** Messages sent to the webview, newest last (tests read them; at most 50). */
  readonly sent: HostMessage[] = [];

  constructor(protected readonly extensionUri: vscode.Uri) {}

  /** Handles a message from the webview (unknown: validate it first). */
  protected abstract receive(message: unknown): Promise<void>;

  /** Called when the panel closes, after its subscriptions are gone. */
  protected onPanelClosed(): void {}

  /** Shows `panel`: icon, message and close handlers, the page loading `script`. Waits for "ready" again. */
  protected attachPanel(panel: vscode.WebviewPanel, page: { script: string; title: string }): void {
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.png");
    this.panelSubscriptions = [
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidDispose(() => {
        for (const s of this.panelSubscriptions) s.dispose();
        this.panelSubscriptions = [];
        this.panel = undefined;
        this.onPanelClosed();
      }),
    ];
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, page);
  }

  /** Posts `message` once the webview is ready (dropped before: the webview asks again with "ready"). */
  protected send(message: HostMessage): void {
    if (!this.panel || !this.ready) return;
    this.sent.push(message);
    if (this.sent.length > SENT_KEPT) this.sent.splice(0, this.sent.length - SENT_KEPT);
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const s of this.panelSubscriptions) s.dispose();
    this.panel?.dispose();
  }
}
