/**
 * `steplens rl launch DIR`: checks what an RL run needs — python3, the engine importable, the
 * reward server reachable, GPUs visible, the prompt data present (and Ray for multi-node verl /
 * OpenRLHF) — reporting each missing one with its fix; then runs launch.sh (or, with --dry-run,
 * prints the exact commands, executing nothing from the run folder). The checks run isolated from
 * the run folder. Process and network access are injectable for tests.
 * No `vscode` import here.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { launchScript } from "./rlInit";
import type { RlRunSpec } from "./rlRunSpec";
import { readRunSpecFile, sha256 } from "./runSpecFile";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it failed. */
  fix: string;
}

export interface LaunchDeps {
  /** Runs a command, returns exit status and output (default: spawnSync, 20 s). */
  exec?: (cmd: string, args: string[], env: NodeJS.ProcessEnv) => { status: number | null; stdout: string; stderr: string };
  /** GET a URL, resolves the status (default: fetch with a 3 s timeout). */
  get?: (url: string) => Promise<{ status: number; body: string }>;
}

const IMPORTS: Record<RlRunSpec["engine"], { module: string; pip: string }> = {
  verl: { module: "verl", pip: "pip install verl  (see verl's install guide for vLLM/torch versions)" },
  openrlhf: { module: "openrlhf", pip: "pip install openrlhf[vllm]" },
  trl: { module: "trl, accelerate, datasets", pip: "pip install trl accelerate datasets" },
};

/** Checks run from an empty folder of their own: nothing in the run folder (or the caller's) is on their path. */
function defaultExec(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-check-"));
  try {
    return execIn(cwd, cmd, args, env);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

function execIn(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 20_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error.message) : "") };
}

async function defaultGet(url: string) {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** The run settings of `dir` (steplens-rl.json, every field checked: a damaged file is named with what is wrong). */
export function readRunSpec(dir: string): RlRunSpec {
  return readRunSpecFile(dir);
}

/** The prerequisite checks, in order; `env` is the environment launch.sh will get. */
export async function checkPrerequisites(dir: string, spec: RlRunSpec, env: NodeJS.ProcessEnv, deps: LaunchDeps = {}): Promise<Check[]> {
  const exec = deps.exec ?? defaultExec;
  const get = deps.get ?? defaultGet;
  const checks: Check[] = [];
  const py = exec("python3", ["--version"], env);
  const pyOk = py.status === 0;
  checks.push({
    name: "python3",
    ok: pyOk,
    detail: pyOk ? (py.stdout || py.stderr).trim() : "python3 not found on PATH",
    fix: "Install Python 3.10+ and put python3 on PATH (or activate the training environment).",
  });
  const imp = IMPORTS[spec.engine];
  if (pyOk) {
    // Isolated (-I: no script folder, PYTHON* variables or user site on the path) and run from an
    // empty folder, so a module planted in the run folder (a verl.py) is never imported by a check.
    const code = `import ${imp.module}`;
    const r = exec("python3", ["-I", "-c", code], env);
    const last = (r.stderr.trim().split("\n").pop() ?? "").slice(0, 200);
    checks.push({
      name: `${spec.engine} importable`,
      ok: r.status === 0,
      detail: r.status === 0 ? `python3 -I -c "${code}" works` : last || "import failed",
      fix: imp.pip,
    });
  } else {
    checks.push({ name: `${spec.engine} importable`, ok: false, detail: "needs python3", fix: imp.pip });
  }
  const nodes = Number(env.NNODES) || spec.nodes;
  if (spec.engine !== "trl" && nodes > 1) {
    const r = exec("ray", ["--version"], env);
    checks.push({
      name: "ray (multi-node)",
      ok: r.status === 0,
      detail: r.status === 0 ? r.stdout.trim() : "ray not found on PATH",
      fix: "pip install 'ray[default]' on every node.",
    });
  }
  const url = (env.STEPLENS_REWARD_URL || spec.rewardUrl).replace(/\/+$/, "");
  let server: Check;
  try {
    const h = await get(`${url}/health`);
    const j = h.status === 200 ? (JSON.parse(h.body) as { status?: string; rewards?: { source?: string; scalarize?: string; gatePreset?: string } }) : null;
    // The gate preset the server runs against the one the run was written for (a server too old to say is not held against it).
    const preset = j?.rewards?.gatePreset;
    const presetDiffers = Boolean(preset && spec.gatePreset && preset !== spec.gatePreset);
    server = {
      name: "reward server",
      ok: j?.status === "ok" && !presetDiffers,
      detail: j
        ? `${url} answers (${j.rewards?.source ?? "?"} judge, scalarize ${j.rewards?.scalarize ?? "?"}${preset ? `, gate ${preset}` : ""})${presetDiffers ? `, but this run was written for gate ${spec.gatePreset}` : ""}`
        : `${url}/health answered HTTP ${h.status}`,
      fix: "",
    };
  } catch (e) {
    server = { name: "reward server", ok: false, detail: `${url} not reachable (${(e as Error).message})`, fix: "" };
  }
  server.fix = `Start it: steplens serve --model <PRM GGUF> --prm <adapter> --port ${new URL(url).port || 8080} --gate ${spec.gatePreset ?? "spark"} (VS Code: "StepLens: Start Reward Server"), or set STEPLENS_REWARD_URL.`;
  checks.push(server);
  if (spec.device === "cpu") {
    checks.push({ name: "GPUs", ok: true, detail: "not needed: a CPU run (rl init --cpu)", fix: "" });
  } else {
    const smi = exec("nvidia-smi", ["-L"], env);
    const gpus = smi.status === 0 ? smi.stdout.split("\n").filter((l) => /^GPU \d+/.test(l)).length : 0;
    checks.push({
      name: "GPUs visible",
      ok: gpus >= Math.min(spec.gpusPerNode, 1) && gpus > 0,
      detail:
        smi.status === 0
          ? `${gpus} GPU(s) (this node; the run asks for ${spec.gpusPerNode} per node)`
          : "nvidia-smi not found or failed: no NVIDIA GPU visible",
      fix: "Run on a machine with NVIDIA GPUs and drivers (nvidia-smi -L lists them); check CUDA_VISIBLE_DEVICES. Set GPUS_PER_NODE to what each node has.",
    });
  }
  const missing = spec.dataFiles.filter((f) => !fs.existsSync(path.join(dir, f)));
  checks.push({
    name: "prompt data",
    ok: spec.dataFiles.length > 0 && missing.length === 0,
    detail: spec.dataFiles.length
      ? missing.length
        ? `missing: ${missing.join(", ")}`
        : `${spec.dataFiles.join(", ")} (${spec.prompts} prompts)`
      : "none written",
    fix: `steplens rl init --engine ${spec.engine} --out ${dir} --reward-url ${spec.rewardUrl} --data prompts.jsonl`,
  });
  return checks;
}

export interface DryRun {
  /** The commands the run's launch.sh runs, as it prints them with DRY_RUN=1. */
  commands: string;
  /** Set when the folder's launch.sh is not the one StepLens wrote for these settings: what differs. */
  changed: string | null;
}

/**
 * The commands of a dry run, without executing anything from the run folder: launch.sh is written
 * anew from steplens-rl.json into a folder of StepLens's own and run there with DRY_RUN=1 (its
 * `run` only prints). When the folder's launch.sh differs from it, `changed` says so: `rl launch`
 * would run the file as it is.
 */
export function dryRunCommands(dir: string, spec: RlRunSpec, env: NodeJS.ProcessEnv): DryRun {
  const script = launchScript(spec);
  const own = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-dry-run-"));
  try {
    const file = path.join(own, "launch.sh");
    fs.writeFileSync(file, script, { mode: 0o700 });
    const r = execIn(own, "bash", [file], { ...env, DRY_RUN: "1" });
    if (r.status !== 0)
      throw new StepLensError(`launch.sh failed in a dry run: ${r.stderr.trim().slice(0, 400)}`, {
        code: "rl-launch-broken",
        file: path.join(dir, "launch.sh"),
      });
    let current: string | null = null;
    try {
      current = fs.readFileSync(path.join(dir, "launch.sh"), "utf8");
    } catch {
      current = null;
    }
    const changed =
      current === null
        ? "the run folder has no launch.sh"
        : current === script
          ? null
          : spec.files?.["launch.sh"] && sha256(current) === spec.files["launch.sh"]
            ? null // written by another StepLens version, unchanged since
            : firstDifference(script, current);
    return { commands: r.stdout, changed };
  } finally {
    fs.rmSync(own, { recursive: true, force: true });
  }
}

/** "line N: expected … / found …" for the first line where two scripts differ. */
function firstDifference(expected: string, found: string): string {
  const a = expected.split("\n");
  const b = found.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i])
      return `launch.sh differs from what steplens rl init wrote, from line ${i + 1}: ${JSON.stringify((b[i] ?? "(end of file)").slice(0, 160))}`;
  }
  return "launch.sh differs from what steplens rl init wrote";
}

/** Runs launch.sh in the foreground; resolves its exit code. Aborting the signal sends SIGINT. */
export function runLaunch(dir: string, env: NodeJS.ProcessEnv, signal: AbortSignal, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(dir, "launch.sh")], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => out.write(d));
    child.stderr.on("data", (d) => err.write(d));
    const onAbort = () => child.kill("SIGINT");
    signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", reject);
    child.on("close", (code) => {
      signal.removeEventListener("abort", onAbort);
      resolve(code ?? 1);
    });
  });
}
