/**
 * `steplens rl init`: writes an RL run folder for verl, OpenRLHF or TRL — launch.sh, reward.py,
 * the prompt data in the engine's format, a README, and steplens-rl.json (these settings). Files
 * are written atomically, inside the folder only, never through a link. No `vscode` import here.
 */
import path from "node:path";
import { StepLensError } from "../core/errors";
import { ensureDir, writeFileAtomic } from "../core/safeFs";
import { openrlhfLaunchSh } from "./openrlhfLaunch";
import { readPromptRecords, writePromptData } from "./promptData";
import { rewardClientPy } from "./rewardClientPy";
import { RUN_SPEC_FILE, type RlRunSpec } from "./rlRunSpec";
import { runReadme } from "./runReadme";
import { runtimeEnvYaml, SAFE_SHELL_VALUE } from "./shellScript";
import { trlLaunchSh, trlTrainPy } from "./trlLaunch";
import { verlLaunchSh } from "./verlLaunch";

export interface RlInitResult {
  dir: string;
  files: string[];
}

function checkValue(name: string, v: string): void {
  if (!SAFE_SHELL_VALUE.test(v))
    throw new StepLensError(`${name} '${v}' has characters a launch script cannot hold safely.`, {
      code: "rl-bad-value",
      hint: "Use letters, digits and . _ / : @ + = % , ~ - only.",
    });
}

export function normalizeRewardUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StepLensError(`--reward-url '${url}' is not a URL.`, {
      code: "rl-bad-url",
      hint: "e.g. http://127.0.0.1:8080 (the address steplens serve prints).",
    });
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new StepLensError(`--reward-url must be http(s), got ${u.protocol}`, { code: "rl-bad-url" });
  // The base URL: /get_reward, /v1/reward or /v1 given by habit are dropped.
  const base = `${u.protocol}//${u.host}${u.pathname.replace(/\/+(get_reward|v1\/reward|v1|health)?\/*$/, "")}`;
  return base.replace(/\/+$/, "");
}

/** Writes the run folder `dir` for `spec` (its dataFiles/prompts are filled in here). */
export function rlInit(dir: string, spec: Omit<RlRunSpec, "dataFiles" | "prompts">, dataFile: string | null, createdBy: string): RlInitResult {
  checkValue("--model", spec.model);
  const rewardUrl = normalizeRewardUrl(spec.rewardUrl);
  checkValue("--reward-url", rewardUrl);
  const root = path.resolve(dir);
  ensureDir(root, root);
  const records = dataFile ? readPromptRecords(dataFile) : [];
  const dataFiles = records.length ? writePromptData(spec.engine, records, root, path.basename(dataFile!).replace(/\.(jsonl|json)$/i, ""), createdBy) : [];
  const full: RlRunSpec = { ...spec, rewardUrl, dataFiles: dataFiles.filter((f) => f !== "problems.jsonl"), prompts: records.length };
  const files: Array<[string, string, number?]> = [
    ["reward.py", rewardClientPy({ rewardUrl, scalarize: spec.scalarize })],
    ["launch.sh", spec.engine === "verl" ? verlLaunchSh(full) : spec.engine === "openrlhf" ? openrlhfLaunchSh(full) : trlLaunchSh(full), 0o755],
    ["README.md", runReadme(full)],
    [RUN_SPEC_FILE, JSON.stringify(full, null, 2) + "\n"],
  ];
  if (spec.engine === "trl") files.push(["train_grpo.py", trlTrainPy(full)]);
  else files.push(["runtime_env.yaml", runtimeEnvYaml()]);
  for (const [name, text, mode] of files) writeFileAtomic(path.join(root, name), root, text, mode ? { mode } : {});
  return { dir: root, files: [...files.map((f) => f[0]), ...dataFiles] };
}
