/**
 * Human labels through code actions (Ctrl+. on a step): mark the step correct, incorrect, as the
 * first error, or clear its label. Labels go to the workspace sidecar file
 * `.steplens/labels.jsonl` (src/labels), one line per change, and show in hovers, diagnostics, the
 * inspector and the dataset tree; exports use them over the model's labels.
 */
import * as vscode from "vscode";
import { DIAGNOSTIC_SOURCE } from "../annotations/diagnosticsModel";
import { type HumanLabel, LABELS_FILE } from "../labels/labelFile";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";
import { resolveStepTarget, stepAt } from "./stepTarget";
import { confirmUntrustedWrite } from "./trust";

/** The code action kind of StepLens's label actions (a quick fix, so Ctrl+. offers them on a step). */
export const LABEL_ACTION_KIND = vscode.CodeActionKind.QuickFix.append("steplens").append("label");

const ACTIONS: { label: HumanLabel | "clear"; command: string; title: (n: number) => string }[] = [
  { label: "correct", command: CommandId.markStepCorrect, title: (n) => `StepLens: Mark Step ${n} correct` },
  { label: "incorrect", command: CommandId.markStepIncorrect, title: (n) => `StepLens: Mark Step ${n} incorrect` },
  { label: "first-error", command: CommandId.markStepFirstError, title: (n) => `StepLens: Mark Step ${n} as the first error` },
  { label: "clear", command: CommandId.clearStepLabel, title: (n) => `StepLens: Clear the label of Step ${n}` },
];

class LabelCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [LABEL_ACTION_KIND] };

  constructor(private readonly ctx: StepLensContext) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !LABEL_ACTION_KIND.intersects(context.only)) return [];
    const target = this.ctx.labels.targetFor(document.uri);
    if (!target) return []; // labels live in a workspace folder
    const trace = this.ctx.traces.get(document);
    if (!trace) return [];
    const step = stepAt(trace, range.start);
    if (step === undefined) return [];
    const current = target.store.get(target.trace, step);
    const found = trace.steps[step];
    if (found === undefined) throw new Error(`internal: stepAt named step ${step}, which the trace of ${document.uri.toString()} does not have`);
    const stepRange = found.range;
    const diagnostics = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && stepRange !== null && d.range.start.line === stepRange.start.line);
    const out: vscode.CodeAction[] = [];
    for (const a of ACTIONS) {
      if (a.label === "clear" ? current === undefined : current === a.label) continue;
      const action = new vscode.CodeAction(a.title(step + 1), LABEL_ACTION_KIND);
      action.command = { title: a.title(step + 1), command: a.command, arguments: [{ uri: document.uri.toString(), step }] };
      // "correct" answers a StepLens warning on this step; the others confirm it.
      if (diagnostics.length && a.label === "correct") action.diagnostics = diagnostics;
      out.push(action);
    }
    return out;
  }
}

export function registerCodeActions(ctx: StepLensContext): vscode.Disposable {
  const provider = new LabelCodeActions(ctx);
  return ctx.traces.registerForTraces((selector) => vscode.languages.registerCodeActionsProvider(selector, provider, LabelCodeActions.metadata));
}

/** Sets (or, with "clear", removes) the human label of a step; the argument is `{uri, step}` or none (cursor). */
export async function setStepLabel(ctx: StepLensContext, label: HumanLabel | "clear", arg: unknown): Promise<boolean> {
  const target = await resolveStepTarget(ctx, arg, true);
  if (!target || target.step === undefined) return false;
  const where = ctx.labels.targetFor(target.document.uri);
  if (!where) {
    void vscode.window.showWarningMessage(
      "StepLens: labels are kept in a workspace folder (.steplens/labels.jsonl); open the folder that holds this trace (or dataset) to label it.",
    );
    return false;
  }
  const what = `${label === "clear" ? "clear the label of" : `mark`} Step ${target.step + 1}${label === "clear" ? "" : ` as ${label}`} in ${LABELS_FILE} of '${where.folder.name}'`;
  if (!(await confirmUntrustedWrite(what, where.folder.uri.toString(), ctx.log))) return false;
  if (label === "clear") await where.store.clear(where.trace, target.step);
  else await where.store.mark(where.trace, target.step, label);
  ctx.log.info(`label: ${where.trace} step ${target.step + 1} → ${label}`);
  return true;
}
