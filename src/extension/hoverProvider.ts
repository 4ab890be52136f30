/**
 * Hover on a step: the PRM score with its threshold and model, the verifiers' verdict counts and the
 * chosen critique, PAV progress when present, labels, timing, and command links (re-score, verify,
 * open in the inspector, mark correct / incorrect, clear the label). The Markdown comes from
 * src/annotations/hoverContent.ts, which escapes all untrusted text; here it is trusted for exactly
 * the StepLens commands it links (`isTrusted: {enabledCommands}`), with HTML off.
 */
import * as vscode from "vscode";
import { buildHover } from "../annotations/hoverContent";
import { stepAtPosition } from "../annotations/stepAnnotations";
import { CommandId, HOVER_COMMANDS } from "./commandIds";
import type { StepLensContext } from "./context";
import { toRange } from "./ranges";

class StepHoverProvider implements vscode.HoverProvider {
  constructor(private readonly ctx: StepLensContext) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const config = this.ctx.configuration.current;
    if (!config.annotations.hover) return undefined;
    const annotations = this.ctx.annotations.annotations(document);
    if (!annotations) return undefined;
    const step = stepAtPosition(annotations, position.line, position.character);
    if (!step) return undefined;
    if (step.scoreText !== null) this.ctx.walkthrough.mark("read");
    const content = buildHover(annotations, step, {
      documentUri: document.uri.toString(),
      verifySamples: config.verify.samples,
      commandIds: {
        rescore: CommandId.score,
        verify: CommandId.verify,
        inspect: CommandId.openInspector,
        markCorrect: CommandId.markStepCorrect,
        markIncorrect: CommandId.markStepIncorrect,
        clearLabel: CommandId.clearStepLabel,
      },
    });
    const used = new Set(content.commands.map((c) => c.command));
    const markdown = new vscode.MarkdownString(content.markdown, false);
    markdown.isTrusted = { enabledCommands: HOVER_COMMANDS.filter((c) => used.has(c)) };
    markdown.supportHtml = false;
    return new vscode.Hover(markdown, step.range ? toRange(step.range) : undefined);
  }
}

export function registerHover(ctx: StepLensContext): vscode.Disposable {
  const provider = new StepHoverProvider(ctx);
  return ctx.traces.registerForTraces((selector) => vscode.languages.registerHoverProvider(selector, provider));
}
