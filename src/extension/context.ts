/**
 * StepLensContext: the one object that owns everything the extension creates (output channel,
 * configuration, trace documents, providers, commands). `activate` creates it, `deactivate`
 * disposes it; nothing else holds a disposable.
 */
import * as vscode from "vscode";
import type { Trace } from "../core/trace";
import { Configuration } from "./configuration";
import { TraceDocuments } from "./traceDocuments";

/** What `activate` returns: a small read-only API (also used by the integration tests). */
export interface StepLensApi {
  /** Whether StepLens treats `document` as a trace (its language, or `steplens.traces.filePatterns`). */
  isTrace(document: vscode.TextDocument): boolean;
  /** The parsed trace of `document` at its current version, or undefined. */
  getTrace(document: vscode.TextDocument): Trace | undefined;
}

export class StepLensContext implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly configuration: Configuration;
  readonly traces: TraceDocuments;
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = this.own(vscode.window.createOutputChannel("StepLens", { log: true }));
    this.configuration = this.own(new Configuration(this.log));
    this.traces = this.own(new TraceDocuments(this.configuration, this.log));
  }

  /** Takes ownership of `disposable` (disposed with the context, last owned first). */
  own<T extends vscode.Disposable>(disposable: T): T {
    if (this.disposed) {
      disposable.dispose();
      throw new Error("StepLens is shutting down");
    }
    this.owned.push(disposable);
    return disposable;
  }

  get api(): StepLensApi {
    return {
      isTrace: (document) => this.traces.isTrace(document),
      getTrace: (document) => this.traces.get(document),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.owned.length) {
      const d = this.owned.pop()!;
      try {
        d.dispose();
      } catch (e) {
        console.error("StepLens: dispose failed", e);
      }
    }
  }
}
