/**
 * Choosing and downloading models from the editor: "StepLens: Choose Model…" (a GGUF file, a preset,
 * a model already in the cache, an `hf:` download, or the demo model, for one role) and
 * "StepLens: Download Model…" (an `hf:` URI or preset into the model cache, with a cancellable
 * progress notification; an interrupted download resumes). The choice goes to the user settings
 * (`steplens.models.<role>`), which the engine host follows.
 */
import path from "node:path";
import * as vscode from "vscode";
import { CancelledError } from "../core/errors";
import { withCancellableProgress } from "./cancellableProgress";
import { MODEL_ROLES, type ModelRole } from "../engines/engine";
import { downloadModel, listCachedModels, modelCacheDir } from "../engines/local/modelSource";
import { findPreset, PRESETS } from "../engines/presets";
import { CONFIG_SECTION } from "./configuration";
import type { StepLensContext } from "./context";
import { useDemoModel } from "./demoModel";

const ROLE_NAMES: Record<ModelRole, string> = {
  prm: "PRM (scores steps)",
  verifier: "verifier (critiques steps)",
  generator: "generator",
  prover: "prover (progress rollouts)",
};

function asRole(v: unknown): ModelRole | undefined {
  return typeof v === "string" && (MODEL_ROLES as readonly string[]).includes(v) ? (v as ModelRole) : undefined;
}

async function setModel(role: ModelRole, value: string): Promise<void> {
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update(`models.${role}`, value, vscode.ConfigurationTarget.Global);
}

function size(bytes: number | undefined): string {
  if (!bytes) return "";
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

interface ModelPick extends vscode.QuickPickItem {
  run?: () => Promise<string | undefined>;
}

/** "StepLens: Choose Model…" for `role` (argument; default: asks, PRM first). Returns the chosen setting value. */
export async function chooseModel(ctx: StepLensContext, roleArg?: unknown): Promise<string | undefined> {
  let role = asRole(roleArg);
  if (!role) {
    const r = await vscode.window.showQuickPick(
      MODEL_ROLES.map((value) => ({ label: ROLE_NAMES[value], description: ctx.configuration.current.models[value] || "not set", value })),
      { title: "StepLens: choose a model for which role?" },
    );
    if (!r) return undefined;
    role = r.value;
  }
  const config = ctx.configuration.current;
  const cacheDir = modelCacheDir(config.local.modelCacheDir);
  const items: ModelPick[] = [
    {
      label: "$(beaker) Demo model",
      description: "random weights, generated here",
      detail: "No download. Shows how StepLens works end to end; its scores are meaningless.",
      run: async () => useDemoModel(ctx.extension.globalStorageUri, ctx.log),
    },
    {
      label: "$(folder-opened) Browse for a GGUF file…",
      run: async () => {
        const picked = await vscode.window.showOpenDialog({
          title: `StepLens: GGUF model for the ${role}`,
          filters: { "GGUF models": ["gguf"] },
          canSelectMany: false,
        });
        return picked?.[0]?.fsPath;
      },
    },
    {
      label: "$(cloud-download) Download from Hugging Face…",
      detail: "An hf: URI (hf:user/repo/file.gguf) or a preset, into the model cache",
      run: async () => downloadModelCommand(ctx, undefined, role),
    },
  ];
  const cached = listCachedModels(cacheDir);
  if (cached.length) {
    items.push({ label: "In the model cache", kind: vscode.QuickPickItemKind.Separator });
    for (const c of cached)
      items.push({ label: `$(file-binary) ${path.basename(c.file)}`, description: size(c.bytes), detail: c.file, run: async () => c.file });
  }
  const presets = PRESETS.filter((p) => p.roles.includes(role!));
  if (presets.length) {
    items.push({ label: "Presets", kind: vscode.QuickPickItemKind.Separator });
    for (const p of presets) {
      items.push({
        label: `$(package) ${p.name}`,
        description: p.runtime === "endpoint" ? "needs an endpoint" : p.uri ? `download ${size(p.sizeBytes)}`.trim() : "bring your own GGUF",
        detail: p.description,
        run: async () => p.name,
      });
    }
  }
  if (config.models[role])
    items.push({ label: "", kind: vscode.QuickPickItemKind.Separator }, { label: "$(close) No model for this role", run: async () => "" });
  const pick = await vscode.window.showQuickPick(items, {
    title: `StepLens: model for the ${ROLE_NAMES[role]}`,
    placeHolder: `now: ${config.models[role] || "not set"}`,
    matchOnDetail: true,
  });
  if (!pick?.run) return undefined;
  const value = await pick.run();
  if (value === undefined) return undefined;
  if (pick.label.startsWith("$(beaker)")) return value; // useDemoModel set it already
  await setModel(role, value);
  ctx.log.info(`models.${role} = ${value || "(none)"}`);
  return value;
}

/**
 * "StepLens: Download Model…": an `hf:` URI or a preset name (argument or input box), downloaded into
 * the model cache with a cancellable progress notification. With `role`, the file is selected for it;
 * otherwise the user is offered to. Returns the file's path.
 */
export async function downloadModelCommand(ctx: StepLensContext, specArg?: unknown, role?: ModelRole): Promise<string | undefined> {
  let spec = typeof specArg === "string" ? specArg.trim() : "";
  if (!spec) {
    const typed = await vscode.window.showInputBox({
      title: "StepLens: download a model",
      prompt: "An hf: URI (hf:user/repo/file.gguf or hf:user/repo:quant) or a preset name",
      placeHolder: PRESETS.find((p) => p.uri)?.uri ?? "hf:user/repo/file.gguf",
      ignoreFocusOut: true,
      validateInput: (v) => {
        const s = v.trim();
        if (!s) return undefined;
        if (/^hf:/i.test(s)) return undefined;
        const p = findPreset(s);
        if (!p) return `not an hf: URI or a preset (${PRESETS.map((x) => x.name).join(", ")})`;
        if (!p.uri)
          return p.runtime === "endpoint"
            ? `${p.name} needs an endpoint: ${p.endpointReason}`
            : `${p.name} has no published GGUF: ${p.conversion ?? "bring your own file"}`;
        return undefined;
      },
    });
    spec = typed?.trim() ?? "";
  }
  if (!spec) return undefined;
  const preset = /^hf:/i.test(spec) ? undefined : findPreset(spec);
  const uri = preset ? preset.uri : spec;
  if (!uri) throw new Error(`${spec} cannot be downloaded: ${preset?.conversion ?? preset?.endpointReason ?? "no published GGUF"}`);
  const cacheDir = ctx.configuration.current.local.modelCacheDir;
  let file: string;
  try {
    const downloaded = await withCancellableProgress(`StepLens: downloading ${preset?.name ?? uri}`, ({ signal, onProgress }) =>
      downloadModel(uri, {
        cacheDir,
        signal,
        onProgress: (p) => onProgress(p, `${(p.done / 1e6).toFixed(0)}${p.total ? ` of ${(p.total / 1e6).toFixed(0)}` : ""} MB`),
      }),
    );
    if (downloaded === undefined) throw new CancelledError();
    file = downloaded;
  } catch (e) {
    if (e instanceof CancelledError) {
      void vscode.window.showInformationMessage("StepLens: download cancelled; running it again resumes it.");
      return undefined;
    }
    throw e;
  }
  ctx.log.info(`downloaded ${uri} → ${file}`);
  const value = preset ? preset.name : file;
  if (role) return value;
  const prm = "Use as PRM";
  const verifier = "Use as Verifier";
  const pick = await vscode.window.showInformationMessage(`StepLens: ${path.basename(file)} is in the model cache.`, prm, verifier);
  if (pick === prm) await setModel("prm", value);
  else if (pick === verifier) await setModel("verifier", value);
  return file;
}
