/**
 * The progress notification of background scoring: it appears only when work has been queued for
 * longer than a moment (quick cache hits never show one), shows the latest message, offers Cancel,
 * and closes when the queue is empty.
 */
import * as vscode from "vscode";

/** Delay before queued work gets a notification. */
export const PROGRESS_DELAY_MS = 1200;

export class QueueProgressNotification implements vscode.Disposable {
  private queued = 0;
  private active: { report(message: string): void; done(): void } | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastMessage = "";

  constructor(
    private readonly title: string,
    private readonly onCancel: () => void,
    private readonly delayMs = PROGRESS_DELAY_MS,
  ) {}

  /** Requests running + waiting changed. */
  queueChanged(queued: number): void {
    this.queued = queued;
    if (queued > 0) {
      if (!this.active && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.queued > 0) this.show();
        }, this.delayMs);
      }
      return;
    }
    this.close();
  }

  report(message: string): void {
    this.lastMessage = message;
    this.active?.report(message);
  }

  private show(): void {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: this.title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => this.onCancel());
      this.active = { report: (message) => progress.report({ message }), done: finish };
      progress.report({ message: this.lastMessage || `scoring (${this.queued} queued)` });
      return finished;
    });
  }

  private close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.active?.done();
    this.active = null;
  }

  dispose(): void {
    this.close();
  }
}
