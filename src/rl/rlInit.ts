/**
 * `steplens rl init`: writes an RL run folder for verl, OpenRLHF or TRL — launch.sh, reward.py,
 * the prompt data in the engine's format, a README, and steplens-rl.json (these settings and the
 * hash of every file written). Sizes that cannot run are derived anew (src/rl/runSizes.ts). Files
 * are written atomically, inside the folder only, never through a link, never over a file StepLens
 * did not write or that changed since. No `vscode` import here.
 */
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { checkWritePath, ensureDir, writeFileAtomic } from "../core/safeFs";
import { openrlhfLaunchSh } from "./openrlhfLaunch";
import { promptDataFiles, readPromptRecords } from "./promptData";
import { rewardClientPy } from "./rewardClientPy";
import rewardCheckPy from "./python/reward_check.py";
import { RUN_SPEC_FILE, type RlRunSpec } from "./rlRunSpec";
import { runReadme } from "./runReadme";
import { deriveRunSizes } from "./runSizes";
import { readRunSpecFile, sha256 } from "./runSpecFile";
import { runtimeEnvYaml, SAFE_SHELL_VALUE } from "./shellScript";
import { trlLaunchSh, trlTrainPy } from "./trlLaunch";
import { denseUnsupported, VERL_DENSE_MANAGER_FILE, verlDenseManagerPy } from "./verlDense";
import { verlLaunchSh } from "./verlLaunch";

export interface RlInitResult {
  dir: string;
  files: string[];
  /** Sizes that were changed so the run can run (one line each, for stderr). */
  clamped: string[];
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

/** The launch.sh of a run (also what a dry run runs, instead of the folder's file). */
export function launchScript(spec: RlRunSpec): string {
  return spec.engine === "verl" ? verlLaunchSh(spec) : spec.engine === "openrlhf" ? openrlhfLaunchSh(spec) : trlLaunchSh(spec);
}

export interface RlInitOptions {
  /** Write even over files StepLens did not write or that changed since (`--force`). */
  force?: boolean;
}

/** What stands in the way of writing `names` into `root` (empty: nothing); `force` skips this. */
function conflicts(root: string, names: readonly string[]): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return []; // a new folder
  }
  if (!entries.length) return [];
  let recorded: Record<string, string> | undefined;
  if (entries.includes(RUN_SPEC_FILE)) {
    try {
      recorded = readRunSpecFile(root).files;
    } catch (e) {
      return [`${RUN_SPEC_FILE} (${(e as Error).message})`];
    }
  }
  if (!recorded) {
    // Not a run folder StepLens can vouch for: every file it would replace is in the way, or, when
    // none would be, the folder itself (a project folder is no place for a run's files).
    const clash = names.filter((n) => entries.includes(n));
    if (clash.length) return clash;
    return [`the folder is not empty and not a StepLens run folder (it holds ${entries.slice(0, 5).join(", ")}${entries.length > 5 ? ", …" : ""})`];
  }
  const out: string[] = [];
  for (const name of names) {
    if (name === RUN_SPEC_FILE || !entries.includes(name)) continue;
    const file = path.join(root, name);
    const st = fs.lstatSync(file);
    if (!st.isFile()) out.push(`${name} (not a regular file)`);
    else if (recorded[name] === undefined) out.push(`${name} (not written by steplens rl init)`);
    else if (sha256(fs.readFileSync(file)) !== recorded[name]) out.push(`${name} (changed since steplens rl init wrote it)`);
  }
  return out;
}

/**
 * Writes the run folder `dir` for `spec` (its sizes are derived here, its dataFiles/prompts filled
 * in). Writes only into a new or empty folder, or a run folder whose files `rl init` wrote and
 * nobody changed since (their hashes are in steplens-rl.json); otherwise refuses naming the files,
 * unless `force`. Every file is written aside first and renamed into place once all are written.
 */
export function rlInit(
  dir: string,
  spec: Omit<RlRunSpec, "dataFiles" | "prompts">,
  dataFile: string | null,
  createdBy: string,
  options: RlInitOptions = {},
): RlInitResult {
  checkValue("--model", spec.model);
  const rewardUrl = normalizeRewardUrl(spec.rewardUrl);
  checkValue("--reward-url", rewardUrl);
  const denseRefused = spec.dense ? denseUnsupported(spec.engine) : null;
  if (denseRefused) throw new StepLensError(denseRefused, { code: "rl-bad-value", hint: "Drop --dense, or use --engine verl." });
  if (spec.device === "cpu" && spec.engine !== "trl")
    throw new StepLensError(`--cpu runs TRL only: ${spec.engine} needs GPUs to train.`, {
      code: "rl-bad-value",
      hint: "Use --engine trl for a CPU smoke run.",
    });
  const root = path.resolve(dir);
  const records = dataFile ? readPromptRecords(dataFile) : [];
  const sizes = deriveRunSizes({ ...spec, prompts: records.length });
  const dataSource = dataFile ? path.basename(dataFile).replace(/\.(jsonl|json)$/i, "") : "";
  const data = records.length ? promptDataFiles(spec.engine, records, dataSource, createdBy) : [];
  const dataFiles = data.map(([name]) => name);
  const full: RlRunSpec = {
    ...spec,
    rewardUrl,
    batchSize: sizes.batchSize,
    tensorParallel: sizes.tensorParallel,
    ...(spec.engine === "trl" ? { perDeviceBatch: sizes.perDeviceBatch, gradientAccumulation: sizes.gradientAccumulation } : {}),
    dataFiles: dataFiles.filter((f) => f !== "problems.jsonl"),
    prompts: records.length,
  };
  const files: Array<[string, string | Uint8Array, number?]> = [
    ...data,
    ["reward.py", rewardClientPy({ rewardUrl, scalarize: spec.scalarize })],
    ["reward_check.py", rewardCheckPy],
    ["launch.sh", launchScript(full), 0o755],
    ["README.md", runReadme(full, sizes.clamped)],
  ];
  if (spec.engine === "trl") files.push(["train_grpo.py", trlTrainPy(full)]);
  else files.push(["runtime_env.yaml", runtimeEnvYaml()]); // verl and OpenRLHF: Ray's runtime env for multi-node jobs
  if (spec.dense) files.push([VERL_DENSE_MANAGER_FILE, verlDenseManagerPy()]);
  full.files = Object.fromEntries(files.map(([name, text]) => [name, sha256(text)]));
  files.push([RUN_SPEC_FILE, JSON.stringify(full, null, 2) + "\n"]);

  const names = files.map(([name]) => name);
  if (!options.force) {
    const inTheWay = conflicts(root, names);
    if (inTheWay.length)
      throw new StepLensError(`refusing to write the run folder ${root}: ${inTheWay.join("; ")}.`, {
        file: root,
        code: "rl-would-overwrite",
        hint: "Choose a new or empty folder for --out, or pass --force to replace these files.",
      });
  }
  ensureDir(root, root);
  for (const name of names) checkWritePath(path.join(root, name), root);
  // Aside first (every file complete on disk), then renamed into place: a failure while writing
  // leaves the folder as it was.
  const tag = `.steplens-init-${process.pid}-${Date.now().toString(36)}`;
  const aside: string[] = [];
  try {
    for (const [name, text, mode] of files) {
      const tmp = path.join(root, `${name}${tag}`);
      writeFileAtomic(tmp, root, text, mode ? { mode } : {});
      aside.push(tmp);
    }
  } catch (e) {
    for (const tmp of aside) fs.rmSync(tmp, { force: true });
    throw e;
  }
  for (const [name] of files) fs.renameSync(path.join(root, `${name}${tag}`), path.join(root, name));
  return { dir: root, files: names, clamped: sizes.clamped };
}
