/**
 * A synthesis folder in the StepLens Datasets tree (see src/datasets/synthesisRecords.ts): indexing
 * it, and the tree items of its records (aggregated labels, vote counts) and of their steps (the
 * aggregated label and the K verifications' verdicts, one mark each). Used by datasetTree.ts.
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { CancelledError } from "../core/errors";
import { DatasetIndex, type RecordSummary } from "../datasets/datasetIndex";
import { type SynthesisOverlay, loadSynthesisOverlay, stepVotes, synthesisRecordReader } from "../datasets/synthesisRecords";
import { SYNTHESIS_FILES, isSynthesisFolder } from "../export/synthesisSolutions";

/** The synthesis folder `file` stands for (the folder itself, or its solutions.jsonl), else null. */
export function synthesisDirOf(file: string): string | null {
  const abs = path.resolve(file);
  try {
    if (fs.statSync(abs).isDirectory()) return isSynthesisFolder(abs) ? abs : null;
  } catch {
    return null;
  }
  const dir = path.dirname(abs);
  return path.basename(abs) === SYNTHESIS_FILES.solutions && fs.existsSync(path.join(dir, SYNTHESIS_FILES.manifest)) ? dir : null;
}

/** The key the tree keeps a dataset under: a synthesis folder is kept as its solutions.jsonl. */
export function datasetKey(file: string): string {
  const dir = synthesisDirOf(file);
  return dir ? path.join(dir, SYNTHESIS_FILES.solutions) : path.resolve(file);
}

/** Indexes a synthesis folder's solutions with its labels and verdicts (cancellable progress). */
export async function indexSynthesisFolder(dir: string, stepTag: string): Promise<{ index: DatasetIndex; overlay: SynthesisOverlay }> {
  const name = path.basename(dir);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `StepLens: reading synthesis folder ${name}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        const overlay = await loadSynthesisOverlay(dir, controller.signal);
        progress.report({ message: `${overlay.bySolution.size} labelled solutions` });
        const solutions = path.join(dir, SYNTHESIS_FILES.solutions);
        if (!fs.existsSync(solutions)) fs.closeSync(fs.openSync(solutions, "a")); // a run that wrote no solution yet
        const index = await DatasetIndex.build(solutions, {
          detected: { format: "jsonl", container: "jsonl", reason: "synthesis folder" },
          reader: synthesisRecordReader(overlay),
          stepTag,
          signal: controller.signal,
        });
        return { index, overlay };
      } catch (e) {
        if (controller.signal.aborted) throw new CancelledError(`reading ${name} cancelled`);
        throw e;
      } finally {
        sub.dispose();
      }
    },
  );
}

const labelText = (l: boolean | null | undefined) => (l === true ? "correct" : l === false ? "incorrect" : "undetermined");

/** The description of a synthesis record: the aggregate's verdict and how many verifications it has. */
export function synthesisRecordDescription(overlay: SynthesisOverlay, s: RecordSummary): string {
  const info = overlay.bySolution.get(s.id);
  if (!info || info.status === "unlabelled") return `${s.steps} steps · not labelled yet`;
  const verdict = info.firstError === null ? "undetermined" : info.firstError < 0 ? "all steps correct" : `first error at step ${info.firstError + 1}`;
  return `${verdict} · outcome ${info.outcome ?? "?"} · K=${info.verifications.length}${info.rule ? ` (${info.rule})` : ""}`;
}

/** The tree item of one step of a synthesis record. */
export function synthesisStepItem(overlay: SynthesisOverlay, s: RecordSummary, step: number): vscode.TreeItem {
  const info = overlay.bySolution.get(s.id);
  const label = info?.labels[step];
  const item = new vscode.TreeItem(`Step ${step + 1}: ${labelText(label)}`);
  item.id = `step:${overlay.solutionsFile}#${s.record}:${step}`;
  item.iconPath = new vscode.ThemeIcon(label === true ? "pass" : label === false ? "error" : "question");
  const md = new vscode.MarkdownString();
  if (info && info.verifications.length) {
    const v = stepVotes(info, step);
    item.description = `${v.marks} · ${v.correct} correct, ${v.incorrect} incorrect${v.notGiven ? `, ${v.notGiven} no verdict` : ""}`;
    md.appendText(`Aggregated label: ${labelText(label)}\nVerifications (+ correct, - incorrect, ? no verdict, x unparsable):\n`);
    for (const ver of info.verifications) md.appendText(`${ver.id}: ${ver.marks[0] === "x" ? "x" : (ver.marks[step] ?? "?")}\n`);
  } else {
    item.description = "no verification yet";
    md.appendText("No verification of this solution yet.");
  }
  item.tooltip = md;
  item.contextValue = "steplensSynthesisStep";
  return item;
}
