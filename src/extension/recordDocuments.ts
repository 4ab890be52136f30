/**
 * Dataset records as read-only trace documents (`steplens-record:` URIs, a TextDocumentContentProvider):
 * the record is rendered as a plain trace ("Problem: …", "Step 1: …", "Answer: …") and registered with
 * TraceDocuments as is — the dataset's own steps, with ranges into the rendered text — so scoring
 * uses exactly the record's step texts and every annotation (hover, diagnostics, heat, code lenses,
 * labels) works as on a file.
 *
 * URI: `steplens-record:/<dataset file name>/<record id>.trace.md?dataset=<path>&record=<n>&id=<id>`;
 * the `.trace.md` ending puts it in the StepLens Trace language.
 */
import path from "node:path";
import * as vscode from "vscode";
import type { SourceRange, Step, Trace } from "../core/trace";
import type { DatasetIndex } from "../datasets/datasetIndex";
import { RECORD_SCHEME } from "./commandIds";
import { parseRecordOfFileUri, recordOfFileUri } from "./recordUri";
import type { TraceDocuments } from "./traceDocuments";

export interface RecordRef {
  dataset: string;
  record: number;
  id: string;
}

export function recordUri(ref: RecordRef): vscode.Uri {
  return recordOfFileUri(RECORD_SCHEME, "dataset", ".trace.md", { file: ref.dataset, record: ref.record, id: ref.id });
}

export function parseRecordUri(uri: vscode.Uri): RecordRef | undefined {
  const r = parseRecordOfFileUri(uri, RECORD_SCHEME, "dataset");
  return r && { dataset: r.file, id: r.id, record: r.record };
}

/** Builds text while tracking UTF-16 offsets and line/character positions (VS Code's). */
class TextBuilder {
  text = "";
  private line = 0;
  private character = 0;

  get position() {
    return { line: this.line, character: this.character, offset: this.text.length };
  }

  add(s: string): void {
    this.text += s;
    const lines = s.split("\n");
    const tail = lines.at(-1); // split() gives at least one piece
    if (lines.length > 1 && tail !== undefined) {
      this.line += lines.length - 1;
      this.character = tail.length;
    } else this.character += s.length;
  }

  /** Adds `s` and returns the range it covers. */
  span(s: string, from = this.position): SourceRange {
    this.add(s);
    const to = this.position;
    return {
      start: { line: from.line, character: from.character },
      end: { line: to.line, character: to.character },
      startOffset: from.offset,
      endOffset: to.offset,
    };
  }
}

/** One line, no control characters but line breaks (trace text is untrusted: shown as plain text only). */
function clean(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ")
    .replace(/\s+$/, "");
}

/** The record as trace text, and the trace with ranges into that text. */
export function renderRecord(trace: Trace, ref: RecordRef): { text: string; trace: Trace } {
  const b = new TextBuilder();
  const labels = trace.labels;
  const truth = !labels ? "no labels" : labels.firstError < 0 ? "all steps correct" : `first error at step ${labels.firstError + 1}`;
  b.add(`# Record ${clean(ref.id).replace(/\n/g, " ")} — ${path.basename(ref.dataset)} (dataset: ${truth})\n\n`);
  const problemStart = b.position;
  const problemRange = b.span(`Problem: ${clean(trace.problem)}`, problemStart);
  b.add("\n\n");
  const steps: Step[] = trace.steps.map((step, index) => {
    const range = b.span(`Step ${index + 1}: ${clean(step.text)}`);
    b.add("\n\n");
    return { index, text: step.text, range };
  });
  let finalAnswerRange: SourceRange | null = null;
  if (trace.finalAnswer !== null) {
    b.add("Answer: ");
    finalAnswerRange = b.span(clean(trace.finalAnswer).replace(/\n/g, " "));
    b.add("\n");
  }
  return {
    text: b.text,
    trace: { ...trace, problemRange, steps, finalAnswerRange, source: { ...trace.source, file: ref.dataset, id: ref.id, record: ref.record } },
  };
}

export class RecordDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly traces: TraceDocuments,
    /** The dataset's index (opening the dataset when it is not open yet). */
    private readonly indexOf: (dataset: string) => Promise<DatasetIndex>,
  ) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(RECORD_SCHEME, this);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const ref = parseRecordUri(uri);
    if (!ref) throw new Error(`not a StepLens record URI: ${uri.toString()}`);
    const index = await this.indexOf(ref.dataset);
    if (token.isCancellationRequested) return "";
    const loaded = await index.loadTrace(ref.record);
    const { text, trace } = renderRecord(loaded, ref);
    this.traces.setOverride(uri, trace);
    return text;
  }

  /** Opens a record in an editor (read-only). */
  async open(ref: RecordRef, options: vscode.TextDocumentShowOptions = { preview: true }): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(recordUri(ref));
    return vscode.window.showTextDocument(document, options);
  }

  dispose(): void {
    this.registration.dispose();
  }
}
