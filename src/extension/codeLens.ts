/**
 * CodeLens over a trace (on its first line): Score · Verify ×K · Progress · Inspect, as the setting
 * says, then a summary of what the annotations say (the first error and who decided it, or "no
 * error found"; "demo" for the demo model). The Progress lens (PAV rollouts) is built by
 * progressService.ts and placed here through a lens slot. Toggled by steplens.annotations.codeLens.
 *
 * A step whose first line is long (src/annotations/longLineLenses.ts) would have its end-of-line
 * score off screen; such a step also gets a lens above it with the same text, so the score is
 * always visible without scrolling.
 */
import * as vscode from "vscode";
import { longLineStepLenses } from "../annotations/longLineLenses";
import { DEMO_NOTICE, type TraceAnnotations } from "../annotations/stepAnnotations";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";

const SOURCE = { label: "your label", verifiers: "verifiers", prm: "PRM" } as const;

/**
 * Lenses another feature puts between Verify and Inspect (the Progress lens, ./progressService.ts).
 * They come from this one provider: lenses of several providers on one line are ordered by VS Code
 * (by registration), which showed Progress last, unlike the setting's description.
 */
export interface LensSlot {
  lenses(document: vscode.TextDocument): vscode.CodeLens[];
  readonly onDidChange: vscode.Event<void>;
}

const slots: LensSlot[] = [];
const slotsChanged = new vscode.EventEmitter<void>();

/** Adds lenses after Verify, before Inspect (removed again on dispose). */
export function addLensSlot(slot: LensSlot): vscode.Disposable {
  slots.push(slot);
  const sub = slot.onDidChange(() => slotsChanged.fire());
  slotsChanged.fire();
  return new vscode.Disposable(() => {
    sub.dispose();
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    slotsChanged.fire();
  });
}

/** The summary lens's title, or null when there is nothing scored or verified yet. */
export function summaryTitle(a: TraceAnnotations): string | null {
  const scored = a.steps.some((s) => s.score !== null || s.verifiers !== null || s.label !== null);
  if (!scored) return null;
  let title = a.firstError ? `$(error) first error: Step ${a.firstError.index + 1} (${SOURCE[a.firstError.source]})` : "$(pass) no error found";
  const unscored = a.steps.filter((s) => s.score === null).length;
  if (a.model && unscored > 0) title += ` · ${unscored} step${unscored === 1 ? "" : "s"} not scored`;
  if (a.demo) title += ` · ${DEMO_NOTICE}`;
  return title;
}

class TraceCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly ctx: StepLensContext) {}

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const config = this.ctx.configuration.current;
    if (!config.annotations.codeLens) return [];
    const annotations = this.ctx.annotations.annotations(document);
    if (!annotations || annotations.steps.length === 0) return [];
    const trace = this.ctx.traces.get(document);
    const line = trace?.problemRange?.start.line ?? trace?.steps[0]?.range?.start.line ?? 0;
    const range = new vscode.Range(line, 0, line, 0);
    const arg = { uri: document.uri.toString() };
    const lenses = [
      new vscode.CodeLens(range, {
        title: "$(play) Score",
        tooltip: "Score every step with the PRM (StepLens: Score Trace)",
        command: CommandId.score,
        arguments: [arg],
      }),
      new vscode.CodeLens(range, {
        title: `$(checklist) Verify ×${config.verify.samples}`,
        tooltip: `Run ${config.verify.samples} independent verifications and aggregate them per step (StepLens: Verify Trace)`,
        command: CommandId.verify,
        arguments: [arg],
      }),
      ...slots.flatMap((slot) => slot.lenses(document)),
      new vscode.CodeLens(range, {
        title: "$(graph) Inspect",
        tooltip: "Open the inspector: score chart, verifier agreement, steps",
        command: CommandId.openInspector,
        arguments: [arg],
      }),
    ];
    const summary = summaryTitle(annotations);
    if (summary) {
      const first = annotations.firstError;
      lenses.push(
        new vscode.CodeLens(
          range,
          first
            ? { title: summary, tooltip: "Go to the first error", command: CommandId.goToStep, arguments: [first.index + 1] }
            : { title: summary, command: "" },
        ),
      );
    }
    for (const s of longLineStepLenses(annotations, (l) => (l < document.lineCount ? document.lineAt(l).text.length : 0))) {
      const at = new vscode.Range(s.line, 0, s.line, 0);
      lenses.push(
        new vscode.CodeLens(at, {
          title: s.title,
          tooltip: "This step's score (its line is too long to show it at the end)",
          command: CommandId.openInspector,
          arguments: [arg],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export function registerCodeLens(ctx: StepLensContext): vscode.Disposable {
  const provider = new TraceCodeLensProvider(ctx);
  return vscode.Disposable.from(
    provider,
    ctx.traces.registerForTraces((selector) => vscode.languages.registerCodeLensProvider(selector, provider)),
    ctx.annotations.onDidChange(() => provider.refresh()),
    slotsChanged.event(() => provider.refresh()),
    ctx.configuration.onDidChange((e) => {
      if (e.affects("annotations.codeLens") || e.affects("verify.samples")) provider.refresh();
    }),
  );
}
