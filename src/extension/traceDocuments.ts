/**
 * The open trace documents and their parsed Trace, cached by document version (parsed lazily, on
 * the first `get` after an edit). Features (symbols, folding, later hover, diagnostics, decorations)
 * read traces from here and listen to `onDidChange`; providers register through `registerForTraces`
 * so they follow `steplens.traces.filePatterns` when it changes.
 */
import * as vscode from "vscode";
import type { Trace } from "../core/trace";
import { type StepLensError, errorMessage } from "../core/errors";
import { segmentText } from "../formats/text";
import type { Configuration } from "./configuration";
import { buildTraceSelector, matchesSelector } from "./traceSelector";

/** Why a change event fired: the document opened, was edited, closed, or the settings changed what counts as a trace. */
export type TraceChangeReason = "open" | "edit" | "close" | "settings";

export interface TraceDocumentChange {
  document: vscode.TextDocument;
  /** Whether the document is a trace now (false: clear whatever was shown for it). */
  isTrace: boolean;
  reason: TraceChangeReason;
}

/**
 * The result of parsing one document version: a trace (with the problems that left its steps usable,
 * such as a front-matter label out of range: shown as diagnostics), or the error that stopped it.
 */
export type TraceParse =
  | { version: number; trace: Trace; problems: readonly StepLensError[]; error?: undefined }
  | { version: number; trace?: undefined; problems?: undefined; error: string };

export class TraceDocuments implements vscode.Disposable {
  private selector: vscode.DocumentFilter[];
  private readonly cache = new Map<string, TraceParse>();
  /** Traces given by their provider instead of parsed from the text (dataset records shown as documents). */
  private readonly overrides = new Map<string, Trace>();
  /** URIs (as strings) of open documents that are traces. */
  private readonly open = new Set<string>();
  private readonly changeEmitter = new vscode.EventEmitter<TraceDocumentChange>();
  private readonly selectorEmitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];

  /** A trace document opened, changed, closed, or started/stopped being a trace. */
  readonly onDidChange = this.changeEmitter.event;
  /** The set of documents that count as traces changed (settings or workspace folders). */
  readonly onDidChangeSelector = this.selectorEmitter.event;

  constructor(
    private readonly configuration: Configuration,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.selector = buildTraceSelector(configuration.current.traces.filePatterns);
    for (const document of vscode.workspace.textDocuments) if (this.isTrace(document)) this.open.add(documentKey(document));
    this.subscriptions.push(
      configuration.onDidChange((e) => {
        if (e.affects("traces.filePatterns")) this.updateSelector();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.updateSelector()),
      vscode.workspace.onDidOpenTextDocument((document) => {
        if (!this.isTrace(document)) return;
        this.open.add(documentKey(document));
        this.changeEmitter.fire({ document, isTrace: true, reason: "open" });
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!e.contentChanges.length || !this.open.has(documentKey(e.document))) return;
        this.changeEmitter.fire({ document: e.document, isTrace: true, reason: "edit" });
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        const k = documentKey(document);
        this.cache.delete(k);
        this.overrides.delete(k);
        if (this.open.delete(k)) this.changeEmitter.fire({ document, isTrace: false, reason: "close" });
      }),
    );
  }

  /** The document selector for trace documents right now (changes with the settings). */
  get documentSelector(): vscode.DocumentSelector {
    return this.selector;
  }

  isTrace(document: vscode.TextDocument): boolean {
    return matchesSelector(this.selector, document);
  }

  /** Open documents that are traces. */
  traceDocuments(): vscode.TextDocument[] {
    return vscode.workspace.textDocuments.filter((d) => this.open.has(documentKey(d)));
  }

  /** The parsed trace of `document` at its current version, or undefined when it is not a trace or does not parse. */
  get(document: vscode.TextDocument): Trace | undefined {
    return this.parse(document)?.trace;
  }

  /**
   * Makes `uri` a trace given as is (its ranges must match the document's text), instead of parsing
   * the text: virtual documents that render a dataset record. `undefined` removes the override.
   */
  setOverride(uri: vscode.Uri, trace: Trace | undefined): void {
    const k = uri.toString();
    if (trace) this.overrides.set(k, trace);
    else this.overrides.delete(k);
    this.cache.delete(k);
  }

  /** Like `get`, but also says why parsing failed. Undefined when the document is not a trace. */
  parse(document: vscode.TextDocument): TraceParse | undefined {
    if (!this.isTrace(document)) return undefined;
    const k = documentKey(document);
    const override = this.overrides.get(k);
    if (override) return { version: document.version, trace: override, problems: [] };
    const cached = this.cache.get(k);
    if (cached && cached.version === document.version) return cached;
    let result: TraceParse;
    const t0 = performance.now();
    try {
      const problems: StepLensError[] = [];
      const trace = segmentText(document.getText(), { file: fileLabel(document.uri), withRanges: true, onProblem: (p) => problems.push(p) });
      result = { version: document.version, trace, problems };
      for (const p of problems) this.log.warn(p.format());
      this.log.trace(`parsed ${fileLabel(document.uri)} v${document.version}: ${trace.steps.length} steps in ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (e) {
      result = { version: document.version, error: errorMessage(e) };
      this.log.warn(`cannot read ${fileLabel(document.uri)} as a trace: ${result.error}`);
    }
    this.cache.set(k, result);
    return result;
  }

  /**
   * Registers a provider for trace documents and registers it again whenever the selector changes.
   * `register` receives the current selector and returns the registration.
   */
  registerForTraces(register: (selector: vscode.DocumentSelector) => vscode.Disposable): vscode.Disposable {
    let current = register(this.selector);
    const sub = this.onDidChangeSelector(() => {
      current.dispose();
      current = register(this.selector);
    });
    return new vscode.Disposable(() => {
      sub.dispose();
      current.dispose();
    });
  }

  private updateSelector(): void {
    this.selector = buildTraceSelector(this.configuration.current.traces.filePatterns);
    this.log.info(`trace documents: ${describeSelector(this.selector)}`);
    this.selectorEmitter.fire();
    for (const document of vscode.workspace.textDocuments) {
      const k = documentKey(document);
      const was = this.open.has(k);
      const now = this.isTrace(document);
      if (was === now) continue;
      if (now) this.open.add(k);
      else {
        this.open.delete(k);
        this.cache.delete(k);
      }
      this.changeEmitter.fire({ document, isTrace: now, reason: "settings" });
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changeEmitter.dispose();
    this.selectorEmitter.dispose();
    this.cache.clear();
    this.overrides.clear();
    this.open.clear();
  }
}

/** What the editor's per-document state is kept under: the document's URI. */
export function documentKey(document: vscode.TextDocument): string {
  return document.uri.toString();
}

/** A path for messages: the file path on disk, else the URI. */
export function fileLabel(uri: vscode.Uri): string {
  return uri.scheme === "file" ? uri.fsPath : uri.toString();
}

function describeSelector(selector: vscode.DocumentFilter[]): string {
  return selector
    .map((f) =>
      f.language
        ? `language ${f.language}`
        : typeof f.pattern === "string"
          ? f.pattern
          : `${f.pattern?.baseUri.fsPath}/${(f.pattern as vscode.RelativePattern).pattern}`,
    )
    .join(", ");
}
