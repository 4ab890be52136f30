/**
 * The demo model: where no real model can be had (offline, no GPU, just trying StepLens out), a tiny
 * llama-architecture GGUF with RANDOM weights is generated on the spot into the extension's global
 * storage and selected as the PRM (and the verifier, when none is set). It runs everything end to end
 * — scores, diagnostics, heat, verification — but its judgement is noise: every place a score from
 * it shows says "demo: scores are meaningless".
 *
 * A model is a demo model when its file name starts with `steplens-demo-` (written here) or
 * `steplens-test-` (the test suite's generated models, random weights too).
 *
 * The file itself is written by src/engines/local/demoModel.ts (shared with the CLI's `--model demo`).
 */
import path from "node:path";
import * as vscode from "vscode";
import { isDemoModel } from "../engines/local/demoModelName";
import { DEMO_MODEL_OPTIONS, ensureDemoModelFile } from "../engines/local/demoModel";
import { CONFIG_SECTION } from "./configuration";

export { DEMO_MODEL_OPTIONS, ensureDemoModelFile, isDemoModel };

/**
 * "StepLens: Use Demo Model": writes the demo model into global storage and selects it in the user
 * settings as the PRM, and as the verifier where none is set. Returns the model's path.
 */
export async function useDemoModel(globalStorage: vscode.Uri, log: vscode.LogOutputChannel, options: { quiet?: boolean } = {}): Promise<string> {
  const file = ensureDemoModelFile(path.join(globalStorage.fsPath, "demo"));
  const settings = vscode.workspace.getConfiguration(CONFIG_SECTION);
  await settings.update("engine.kind", "local", vscode.ConfigurationTarget.Global);
  await settings.update("models.prm", file, vscode.ConfigurationTarget.Global);
  // The verifier gets it too where nothing (or another demo model) is set. The generator and prover are
  // left alone: Estimate Progress and the pipelines offer the demo model themselves when they need one.
  for (const role of ["verifier"] as const) {
    const key = `models.${role}`;
    const current = settings.inspect<string>(key);
    const set = [current?.globalValue, current?.workspaceValue, current?.workspaceFolderValue].some((v) => typeof v === "string" && v.trim() !== "");
    if (!set || isDemoModel(settings.get<string>(key))) await settings.update(key, file, vscode.ConfigurationTarget.Global);
  }
  log.info(`demo model selected: ${file} (random weights: scores are meaningless)`);
  if (!options.quiet) {
    void vscode.window.showInformationMessage(
      "StepLens: the demo model is selected. It has random weights, so its scores are meaningless: it shows how StepLens works, not whether a step is right. Choose a real PRM with “StepLens: Choose Model…”.",
    );
  }
  return file;
}
