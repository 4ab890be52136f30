/**
 * One cancellable progress notification around a pipeline: the notification's Cancel aborts the
 * signal the work gets, `Progress` updates (done/total) become percentage increments, and a
 * cancelled run resolves to `undefined` instead of throwing. Used by every long command (verify,
 * dataset indexing, model downloads, progress estimates).
 */
import * as vscode from "vscode";
import { CancelledError } from "../core/errors";
import type { Progress } from "../core/progress";

export interface ProgressSink {
  signal: AbortSignal;
  /** Forward a pipeline's progress; `message` overrides the text shown. */
  onProgress(p: Progress, message?: string): void;
}

export async function withCancellableProgress<T>(title: string, work: (sink: ProgressSink) => Promise<T>): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let last = 0;
      try {
        return await work({
          signal: controller.signal,
          onProgress: (p, message) => {
            const pct = p.total ? Math.floor((100 * Math.min(p.done, p.total)) / p.total) : 0;
            progress.report({ message: message ?? p.message, increment: Math.max(0, pct - last) });
            last = Math.max(last, pct);
          },
        });
      } finally {
        sub.dispose();
      }
    });
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    throw e;
  }
}
