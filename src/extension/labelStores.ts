/**
 * Human labels in the editor: one LabelStore (src/labels) per workspace folder, kept in
 * `<folder>/.steplens/labels.jsonl`, reloaded when the file changes on disk (another window, git).
 * A trace file is labelled under its folder-relative path, a dataset record under
 * `<dataset path>#<record id>` (see src/labels/labelFile.ts). The file and the `.steplens` folder are
 * never followed through a link (the store refuses, and the user is told once per folder).
 */
import path from "node:path";
import * as vscode from "vscode";
import { errorMessage, StepLensError } from "../core/errors";
import type { HumanLabel } from "../labels/labelFile";
import { LABELS_FILE, traceKey } from "../labels/labelFile";
import { type LabelChange, LabelStore } from "../labels/labelStore";
import { RECORD_SCHEME } from "./commandIds";
import { parseRecordUri } from "./recordDocuments";

/** Where a document's labels live: the store and the key of the trace in it. */
export interface LabelTarget {
  store: LabelStore;
  trace: string;
  folder: vscode.WorkspaceFolder;
}

export class LabelStores implements vscode.Disposable {
  private readonly stores = new Map<string, { store: LabelStore; watcher: vscode.Disposable; ready: Promise<void> }>();
  private readonly emitter = new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; trace?: string; reason?: LabelChange["reason"] }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Labels changed (a mark, a clear, or the file changed on disk). */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    for (const folder of vscode.workspace.workspaceFolders ?? []) this.open(folder);
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.close(f);
        for (const f of e.added) this.open(f);
      }),
    );
  }

  /** Resolves when every store has read its file once. */
  async ready(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.ready));
  }

  /**
   * The store and trace key for a document: a file in a workspace folder, or a dataset record
   * (`steplens-record:` URI) whose dataset lies in one. Undefined for anything else.
   */
  targetFor(uri: vscode.Uri): LabelTarget | undefined {
    if (uri.scheme === RECORD_SCHEME) {
      const record = parseRecordUri(uri);
      if (!record) return undefined;
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(record.dataset));
      const entry = folder && this.stores.get(folder.uri.toString());
      return entry && folder ? { store: entry.store, trace: traceKey(record.dataset, folder.uri.fsPath, record.id), folder } : undefined;
    }
    if (uri.scheme !== "file") return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const entry = folder && this.stores.get(folder.uri.toString());
    return entry && folder ? { store: entry.store, trace: traceKey(uri.fsPath, folder.uri.fsPath), folder } : undefined;
  }

  /** The labels of a document's trace, by 0-based step. */
  labelsFor(uri: vscode.Uri): ReadonlyMap<number, HumanLabel> | null {
    const t = this.targetFor(uri);
    return t ? t.store.labelsFor(t.trace) : null;
  }

  /** Whether a dataset record has any human label. */
  hasRecordLabels(dataset: string, id: string): boolean {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dataset));
    const entry = folder && this.stores.get(folder.uri.toString());
    return Boolean(entry && folder && entry.store.labelsFor(traceKey(dataset, folder.uri.fsPath, id)).size > 0);
  }

  private open(folder: vscode.WorkspaceFolder): void {
    const key = folder.uri.toString();
    if (this.stores.has(key) || folder.uri.scheme !== "file") return;
    const file = path.join(folder.uri.fsPath, ...LABELS_FILE.split("/"));
    const store = new LabelStore(file);
    const report = (problems: { message: string }[]) => {
      for (const p of problems) this.log.warn(`labels: ${errorMessage(p)}`);
    };
    const ready = store.load().then(report, (e: unknown) => {
      this.log.error(`labels: cannot read ${file}: ${errorMessage(e)}`);
      // A link or a non-regular file where the labels live (a cloned repository's trap): say so once.
      if (e instanceof StepLensError && e.details.code === "unsafe-path")
        void vscode.window.showWarningMessage(`StepLens labels are off in '${folder.name}': ${errorMessage(e)}`);
    });
    const sub = store.onDidChange((c) => this.emitter.fire({ folder, trace: c.trace, reason: c.reason }));
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, LABELS_FILE));
    const reload = () => void store.reload().then(report, (e: unknown) => this.log.error(`labels: cannot read ${file}: ${errorMessage(e)}`));
    this.stores.set(key, {
      store,
      ready,
      watcher: vscode.Disposable.from(
        watcher,
        watcher.onDidChange(reload),
        watcher.onDidCreate(reload),
        watcher.onDidDelete(reload),
        new vscode.Disposable(() => sub.dispose()),
      ),
    });
  }

  private close(folder: vscode.WorkspaceFolder): void {
    const key = folder.uri.toString();
    const entry = this.stores.get(key);
    if (!entry) return;
    entry.watcher.dispose();
    entry.store.dispose();
    this.stores.delete(key);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const entry of this.stores.values()) {
      entry.watcher.dispose();
      entry.store.dispose();
    }
    this.stores.clear();
    this.emitter.dispose();
  }
}
