/**
 * The command table: every command StepLens registers, with its handler. Ids live in commandIds.ts.
 * Commands that run models or programs set `trustedAction`; in an untrusted workspace they refuse
 * and say why. Errors are logged and shown, never thrown at VS Code.
 */
import path from "node:path";
import * as vscode from "vscode";
import { errorMessage } from "../core/errors";
import { setStepLabel } from "./codeActions";
import { CommandId } from "./commandIds";
import type { StepLensContext } from "./context";
import { openDashboardCommand } from "./dashboardPanel";
import { filterByLabel, filterByScore, openDatasetCommand, pickDataset } from "./datasetTree";
import { useDemoModel } from "./demoModel";
import { API_KEY_SECRET, setApiKey } from "./engineHost";
import { openExampleTrace } from "./exampleTrace";
import { goToStep } from "./goToStep";
import { chooseModel, downloadModelCommand } from "./modelCommands";
import { goToProblemStep } from "./problemNavigation";
import type { RecordRef } from "./recordDocuments";
import { showStatus } from "./statusBar";
import { resolveStepTarget } from "./stepTarget";
import { requireTrust } from "./trust";

export interface CommandSpec {
  id: CommandId;
  /** For commands that run a model or a program: the action, as in "Cannot <action>" (e.g. "score this trace"). */
  trustedAction?: string;
  run(ctx: StepLensContext, ...args: unknown[]): unknown;
}

function isRecordRef(v: unknown): v is RecordRef {
  const o = v as Partial<RecordRef> | null;
  return typeof o === "object" && o !== null && typeof o.dataset === "string" && typeof o.id === "string" && Number.isInteger(o.record);
}

export const COMMANDS: readonly CommandSpec[] = [
  { id: CommandId.goToStep, run: (ctx, stepNumber) => goToStep(ctx, stepNumber) },
  { id: CommandId.showOutput, run: (ctx) => ctx.log.show(true) },
  { id: CommandId.openExample, run: () => openExampleTrace() },

  // annotations
  {
    id: CommandId.score,
    trustedAction: "score this trace",
    run: async (ctx, arg) => {
      const t = await resolveStepTarget(ctx, arg, false);
      return t ? ctx.annotations.score(t.document) : undefined;
    },
  },
  {
    id: CommandId.verify,
    trustedAction: "verify this trace",
    run: async (ctx, arg) => {
      const t = await resolveStepTarget(ctx, arg, false);
      return t ? ctx.annotations.verify(t.document) : undefined;
    },
  },
  {
    id: CommandId.openInspector,
    run: async (ctx, arg) => {
      const t = await resolveStepTarget(ctx, arg, false);
      if (!t) return false;
      ctx.inspector.show(t.document);
      ctx.walkthrough.mark("read");
      return true;
    },
  },
  {
    id: CommandId.nextProblemStep,
    run: (ctx) => {
      ctx.walkthrough.mark("read");
      return goToProblemStep(ctx, 1);
    },
  },
  { id: CommandId.previousProblemStep, run: (ctx) => goToProblemStep(ctx, -1) },
  {
    id: CommandId.clearCache,
    run: async (ctx) => {
      const { entries } = ctx.annotations.cacheStats();
      await ctx.annotations.clearCache();
      void vscode.window.showInformationMessage(`StepLens: removed ${entries} cached result${entries === 1 ? "" : "s"}.`);
    },
  },

  // human labels
  { id: CommandId.markStepCorrect, run: (ctx, arg) => setStepLabel(ctx, "correct", arg) },
  { id: CommandId.markStepIncorrect, run: (ctx, arg) => setStepLabel(ctx, "incorrect", arg) },
  { id: CommandId.markStepFirstError, run: (ctx, arg) => setStepLabel(ctx, "first-error", arg) },
  { id: CommandId.clearStepLabel, run: (ctx, arg) => setStepLabel(ctx, "clear", arg) },

  // engine and models
  { id: CommandId.showStatus, run: (ctx) => showStatus(ctx) },
  { id: CommandId.chooseModel, run: (ctx, role) => chooseModel(ctx, role) },
  { id: CommandId.downloadModel, trustedAction: "download a model", run: (ctx, spec) => downloadModelCommand(ctx, spec) },
  { id: CommandId.useDemoModel, run: (ctx) => useDemoModel(ctx.extension.globalStorageUri, ctx.log) },
  { id: CommandId.setApiKey, run: (ctx) => setApiKey(ctx.extension.secrets) },
  {
    id: CommandId.clearApiKey,
    run: async (ctx) => {
      await ctx.extension.secrets.delete(API_KEY_SECRET);
      void vscode.window.showInformationMessage("StepLens: the stored API key was removed.");
    },
  },

  // datasets
  { id: CommandId.openDataset, run: (ctx, uri) => openDatasetCommand(ctx, uri) },
  { id: CommandId.openDatasetDashboard, run: (ctx, arg) => openDashboardCommand(ctx, ctx.dashboard, arg) },
  {
    id: CommandId.openRecord,
    run: async (ctx, ref) => {
      if (!isRecordRef(ref)) throw new Error("Open Record needs a dataset record (run it from the StepLens Datasets view).");
      return ctx.records.open(ref);
    },
  },
  {
    id: CommandId.closeDataset,
    run: async (ctx, arg) => {
      const d = await pickDataset(ctx.datasets, arg);
      if (d) ctx.datasets.close(d.file);
    },
  },
  {
    id: CommandId.refreshDataset,
    run: async (ctx, arg) => {
      const d = await pickDataset(ctx.datasets, arg);
      if (d) await ctx.datasets.refresh(d.file);
    },
  },
  {
    id: CommandId.filterMismatches,
    run: async (ctx, arg) => {
      const d = await pickDataset(ctx.datasets, arg);
      if (!d) return;
      const on = !d.filter.mismatchesOnly;
      const { mismatchesOnly: _old, ...rest } = d.filter;
      ctx.datasets.setFilter(d, on ? { ...rest, mismatchesOnly: true } : rest);
      if (on && d.index.agreement().compared === 0) {
        void vscode.window.showInformationMessage(
          "StepLens: no record has a prediction yet, so none can mismatch. Open records to score them, or load predictions (StepLens: Load Predictions…).",
        );
      }
    },
  },
  { id: CommandId.filterByLabel, run: (ctx, arg) => filterByLabel(ctx.datasets, arg) },
  { id: CommandId.filterByScore, run: (ctx, arg) => filterByScore(ctx.datasets, arg) },
  {
    id: CommandId.clearFilters,
    run: async (ctx, arg) => {
      const d = await pickDataset(ctx.datasets, arg);
      if (d) ctx.datasets.setFilter(d, {});
    },
  },
  {
    id: CommandId.loadPredictions,
    run: async (ctx, arg, fileArg) => {
      const d = await pickDataset(ctx.datasets, arg);
      if (!d) return undefined;
      let file = typeof fileArg === "string" ? fileArg : undefined;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          title: `StepLens: predictions for ${path.basename(d.file)} (JSONL: {"id": …, "prediction": <first error, -1 for none>})`,
          filters: { "Predictions (JSONL)": ["jsonl", "json", "ndjson"] },
          defaultUri: vscode.Uri.file(path.dirname(d.file)),
        });
        file = picked?.[0]?.fsPath;
      }
      if (!file) return undefined;
      const r = await ctx.datasets.loadPredictions(d, file);
      void vscode.window.showInformationMessage(
        `StepLens: ${r.matched} predictions attached to ${path.basename(d.file)}` +
          (r.unknown ? `; ${r.unknown} ids are not in the dataset` : "") +
          (r.bad ? `; ${r.bad} lines could not be read (see the StepLens output)` : "") +
          ".",
      );
      return r;
    },
  },
  {
    id: CommandId.showMoreRecords,
    run: (ctx, file) => {
      const d = typeof file === "string" ? ctx.datasets.get(file) : undefined;
      if (d) ctx.datasets.showMore(d);
    },
  },
];

export function registerCommands(ctx: StepLensContext, commands: readonly CommandSpec[] = COMMANDS): vscode.Disposable {
  return vscode.Disposable.from(
    ...commands.map((spec) =>
      vscode.commands.registerCommand(spec.id, async (...args: unknown[]) => {
        if (spec.trustedAction && !(await requireTrust(spec.trustedAction, ctx.log))) return undefined;
        try {
          return await spec.run(ctx, ...args);
        } catch (e) {
          const message = errorMessage(e);
          ctx.log.error(`${spec.id} failed: ${message}`);
          void vscode.window.showErrorMessage(`StepLens: ${message}`);
          return undefined;
        }
      }),
    ),
  );
}
