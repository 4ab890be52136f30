/**
 * Decorations: a heat strip in the gutter beside every line of a step, coloured by the heat scale of
 * src/annotations/heatScale.ts (one palette per theme kind: light, dark, high contrast, high
 * contrast light; bars wider the worse the step, so it reads without colour too), and the score at
 * the end of the step's last line ("0.92 ✓", "0.08 ✗ first error"), coloured with the contributed
 * theme colours `steplens.heat0…4`. Each is toggled by its setting (steplens.annotations.gutterHeat,
 * steplens.annotations.inlineScores).
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { HEAT_BUCKETS, heatIconFileName, heatIconSvg, type HeatThemeKind } from "../annotations/heatScale";
import type { TraceAnnotations } from "../annotations/stepAnnotations";
import type { StepLensContext } from "./context";
import { writeFileAtomic } from "../core/safeFs";

export function heatThemeKind(kind: vscode.ColorThemeKind): HeatThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return "light";
    case vscode.ColorThemeKind.HighContrast:
      return "highContrast";
    case vscode.ColorThemeKind.HighContrastLight:
      return "highContrastLight";
    default:
      return "dark";
  }
}

/** Writes the gutter icons of a theme kind into `dir` (once) and returns their URIs, bucket 0 first. */
function heatIcons(dir: string, theme: HeatThemeKind): vscode.Uri[] {
  fs.mkdirSync(dir, { recursive: true });
  const uris: vscode.Uri[] = [];
  for (let bucket = 0; bucket < HEAT_BUCKETS; bucket++) {
    const file = path.join(dir, heatIconFileName(bucket, theme));
    const svg = heatIconSvg(bucket, theme);
    let current: string | null;
    try {
      current = fs.readFileSync(file, "utf8");
    } catch {
      current = null;
    }
    if (current !== svg) writeFileAtomic(file, dir, svg, { fsync: false }); // never through a link
    uris.push(vscode.Uri.file(file));
  }
  return uris;
}

/** The ranges each decoration type gets for one editor. */
export interface EditorDecorations {
  /** Per heat bucket: the lines of the steps in that bucket. */
  heat: vscode.Range[][];
  inline: vscode.DecorationOptions[];
}

export function decorationsFor(
  annotations: TraceAnnotations,
  document: vscode.TextDocument,
  show: { gutterHeat: boolean; inlineScores: boolean },
): EditorDecorations {
  const heat: vscode.Range[][] = Array.from({ length: HEAT_BUCKETS }, () => []);
  const inline: vscode.DecorationOptions[] = [];
  for (const a of annotations.steps) {
    if (!a.range) continue;
    const first = a.range.start.line;
    const last = Math.min(a.range.end.line, document.lineCount - 1);
    if (show.gutterHeat && a.heat !== null && first <= last) {
      const bucket = heat[a.heat];
      if (bucket === undefined) throw new Error(`internal: step ${a.index + 1} has heat bucket ${a.heat}, outside 0..${HEAT_BUCKETS - 1}`);
      for (let line = first; line <= last; line++) bucket.push(new vscode.Range(line, 0, line, 0));
    }
    if (show.inlineScores && a.inlineText) {
      const end = document.lineAt(last).range.end;
      inline.push({
        range: new vscode.Range(end, end),
        renderOptions: {
          after: {
            contentText: a.inlineText,
            color: new vscode.ThemeColor(`steplens.heat${a.heat ?? 2}`),
            fontWeight: a.isFirstError ? "bold" : "normal",
          },
        },
      });
    }
  }
  return { heat, inline };
}

class Decorations implements vscode.Disposable {
  private heatTypes: vscode.TextEditorDecorationType[] = [];
  private readonly inlineType: vscode.TextEditorDecorationType;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: StepLensContext) {
    this.inlineType = vscode.window.createTextEditorDecorationType({
      after: { margin: "0 0 0 2em", fontStyle: "italic" },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedOpen,
    });
    this.createHeatTypes(vscode.window.activeColorTheme.kind);
    this.subscriptions.push(
      vscode.window.onDidChangeActiveColorTheme((theme) => {
        this.createHeatTypes(theme.kind);
        this.updateAll();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.updateAll()),
      ctx.annotations.onDidChange((uri) => {
        for (const editor of vscode.window.visibleTextEditors) if (editor.document.uri.toString() === uri.toString()) this.update(editor);
      }),
      ctx.configuration.onDidChange((e) => {
        if (e.affects("annotations")) this.updateAll();
      }),
    );
    this.updateAll();
  }

  private createHeatTypes(kind: vscode.ColorThemeKind): void {
    for (const t of this.heatTypes) t.dispose();
    const theme = heatThemeKind(kind);
    const icons = heatIcons(path.join(this.ctx.extension.globalStorageUri.fsPath, "heat"), theme);
    this.heatTypes = icons.map((icon) =>
      vscode.window.createTextEditorDecorationType({
        gutterIconPath: icon,
        gutterIconSize: "contain",
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
  }

  private updateAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.update(editor);
  }

  private update(editor: vscode.TextEditor): void {
    const show = this.ctx.configuration.current.annotations;
    const annotations = this.ctx.traces.isTrace(editor.document) ? this.ctx.annotations.annotations(editor.document) : undefined;
    const d = annotations ? decorationsFor(annotations, editor.document, show) : { heat: this.heatTypes.map(() => []), inline: [] };
    this.heatTypes.forEach((t, bucket) => editor.setDecorations(t, d.heat[bucket] ?? []));
    editor.setDecorations(this.inlineType, d.inline);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const t of this.heatTypes) t.dispose();
    this.inlineType.dispose();
  }
}

export function registerDecorations(ctx: StepLensContext): vscode.Disposable {
  return new Decorations(ctx);
}
