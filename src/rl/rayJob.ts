/**
 * An RL run folder (or any command) as a job on an existing Ray cluster: `steplens rl launch DIR
 * --ray-address URL`. Submitted with Ray's own client (`ray job submit --no-wait`, which packs the
 * run folder into the job's runtime environment as its working directory and uploads it), then
 * followed through the Jobs API of the cluster's dashboard: the job's logs are streamed to the
 * terminal as they grow, its end status decides the exit code, and aborting (Ctrl-C) stops the job
 * (`POST /api/jobs/ID/stop`) and waits, bounded, until Ray reports it stopped. Process and network
 * access are injectable for tests. No `vscode` import here.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { StepLensError } from "../core/errors";
import type { RlRunSpec } from "./rlRunSpec";

export type RayJobStatus = "PENDING" | "RUNNING" | "STOPPED" | "SUCCEEDED" | "FAILED";
const TERMINAL: ReadonlySet<string> = new Set(["STOPPED", "SUCCEEDED", "FAILED"]);

/** Environment variables a job gets from the submitting shell: the reward client's and launch.sh's. */
export const FORWARDED_ENV = /^(STEPLENS_[A-Z0-9_]+|MODEL|NNODES|GPUS_PER_NODE|VERL_LEGACY_REWARD|HF_TOKEN|HF_ENDPOINT|WANDB_API_KEY)$/;

export interface RayJobSpec {
  /** The cluster's dashboard / Jobs API address, e.g. http://127.0.0.1:8265. */
  address: string;
  /** The folder that becomes the job's working directory on the cluster. */
  workingDir: string;
  /** The job's command, one argument per entry. */
  entrypoint: string[];
  /** Environment variables set for the job (besides Ray's own). */
  envVars: Record<string, string>;
  /** Paths under the working directory not uploaded (Ray's `excludes`). */
  excludes: string[];
  /** The job's submission id (default: a fresh `steplens-…`). */
  submissionId?: string;
}

export interface RayJobIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  signal: AbortSignal;
  /** The submitting shell's environment (PATH finds `ray`). */
  env: NodeJS.ProcessEnv;
}

export interface RayJobDeps {
  /** Runs a command to completion (default: spawn, bounded by `timeoutMs`). */
  run?: (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) => Promise<{ status: number | null; output: string }>;
  /** An HTTP request to the Jobs API; resolves status and body (default: fetch, 10 s timeout). */
  http?: (method: "GET" | "POST", url: string) => Promise<{ status: number; body: string }>;
  /** How often the job's status and logs are read (default 500 ms). */
  pollMs?: number;
  /** How long to wait for the job to stop after Ctrl-C (default 60 s). */
  stopTimeoutMs?: number;
  /** How long `ray job submit` may take (uploading the folder; default 300 s). */
  submitTimeoutMs?: number;
  /** How long to wait for a just-started cluster's job agent ("No available agent"; default 180 s). */
  agentWaitMs?: number;
}

/** `http://host:port` from `--ray-address` (a bare `host:port` gets http://; `ray://` is refused). */
export function jobsApiAddress(address: string): string {
  const a = address.trim().replace(/\/+$/, "");
  if (/^ray:\/\//i.test(a))
    throw new StepLensError(`--ray-address ${a}: jobs go through the dashboard's Jobs API, not the Ray client port.`, {
      code: "rl-bad-ray-address",
      hint: "Give the dashboard address, e.g. http://HEAD:8265 (what `ray start --head` prints as the dashboard URL).",
    });
  const withScheme = /^https?:\/\//i.test(a) ? a : `http://${a}`;
  try {
    new URL(withScheme);
  } catch {
    throw new StepLensError(`--ray-address '${address}' is not an address.`, { code: "rl-bad-ray-address", hint: "e.g. http://127.0.0.1:8265" });
  }
  return withScheme;
}

export function newSubmissionId(prefix: string): string {
  return `steplens-${prefix}-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, "")
    .slice(0, 14)}-${randomBytes(3).toString("hex")}`;
}

/** The runtime environment Ray gets: the folder as working directory, the forwarded variables. */
export function runtimeEnvJson(spec: RayJobSpec): string {
  return JSON.stringify({ working_dir: spec.workingDir, excludes: spec.excludes, env_vars: spec.envVars });
}

/** The `ray job submit` arguments for `spec` (what a dry run prints). */
export function submitArgs(spec: RayJobSpec & { submissionId: string }): string[] {
  return [
    "job",
    "submit",
    "--address",
    spec.address,
    "--submission-id",
    spec.submissionId,
    "--runtime-env-json",
    runtimeEnvJson(spec),
    "--no-wait",
    "--",
    ...spec.entrypoint,
  ];
}

/** The variables of `env` a job gets (see FORWARDED_ENV), plus `extra`. */
export function forwardedEnv(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && FORWARDED_ENV.test(k)) out[k] = v;
  return { ...out, ...extra };
}

/** Files of a run folder the job does not need (checkpoints and logs stay on the cluster). */
export const RUN_EXCLUDES = ["/checkpoints/", "/logs/", "/outputs/", "/wandb/"];

/**
 * The Ray job of run folder `dir`: its launch.sh (with STEPLENS_IN_RAY_JOB=1 the trainer runs in
 * the job and joins the cluster, instead of launch.sh starting Ray itself), or with `rewardCheck`
 * the folder's reward check (`python3 reward_check.py`: reward.py against the server, on a worker).
 */
export function rayJobOfRun(
  dir: string,
  spec: RlRunSpec,
  env: NodeJS.ProcessEnv,
  address: string,
  rewardCheck: boolean,
): RayJobSpec & { submissionId: string } {
  return {
    address: jobsApiAddress(address),
    workingDir: dir,
    entrypoint: rewardCheck ? ["python3", "reward_check.py"] : ["bash", "launch.sh"],
    envVars: forwardedEnv(env, { STEPLENS_IN_RAY_JOB: "1", STEPLENS_REWARD_URL: env.STEPLENS_REWARD_URL || spec.rewardUrl }),
    excludes: RUN_EXCLUDES,
    submissionId: newSubmissionId(rewardCheck ? `${spec.engine}-reward-check` : spec.engine),
  };
}

function defaultRun(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const add = (d: Buffer) => {
      output = (output + d.toString("utf8")).slice(-20_000);
    };
    child.stdout.on("data", add);
    child.stderr.on("data", add);
    const timer = setTimeout(() => {
      output += `\n(${cmd} did not finish within ${Math.round(timeoutMs / 1000)} s: stopped)`;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: null, output: `${output}${(e as NodeJS.ErrnoException).code === "ENOENT" ? `${cmd} not found on PATH` : e.message}` });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/**
 * A plain HTTP request (node:http, not fetch: fetch adds `Sec-Fetch-Mode`, and Ray's dashboard
 * refuses a POST it takes for browser traffic with 405).
 */
function defaultHttp(method: "GET" | "POST", url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https:") ? https : http).request(url, { method, timeout: 10_000, headers: { "Content-Length": 0 } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** The last `n` lines of a command's output that say something (no blank lines, no traceback carets). */
function lastLines(output: string, n: number): string {
  return output
    .split("\n")
    .filter((l) => l.trim() && !/^\s*[\^~]+\s*$/.test(l))
    .slice(-n)
    .join("\n");
}

const SUBMIT_ATTEMPTS = 3;
/** A cluster that has just started answers "No available agent to submit job" until a node's job agent is up: wait this long for it. */
const AGENT_WAIT_MS = 180_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Submits `spec`, streams its logs to `io.out` until it ends, and resolves the exit code: 0 when
 * the job succeeded, 1 when it failed, 130 when it was stopped (Ctrl-C here stops it on the cluster).
 */
export async function runRayJob(spec: RayJobSpec, io: RayJobIo, deps: RayJobDeps = {}): Promise<number> {
  const run = deps.run ?? defaultRun;
  const http = deps.http ?? defaultHttp;
  const pollMs = deps.pollMs ?? 500;
  const address = jobsApiAddress(spec.address);
  const submissionId = spec.submissionId ?? newSubmissionId("job");
  const full = { ...spec, address, submissionId };

  // A busy dashboard can fail a submission it then registers, or before its job module is up: try
  // up to 3 times with the same submission id, and take "already exists" as submitted. A cluster
  // whose job agents are not up yet ("No available agent") is waited for, up to AGENT_WAIT_MS.
  let submitted = { status: null as number | null, output: "" };
  const agentDeadline = Date.now() + (deps.agentWaitMs ?? AGENT_WAIT_MS);
  let saidWaiting = false;
  for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS; attempt++) {
    submitted = await run("ray", submitArgs(full), io.env, deps.submitTimeoutMs ?? 300_000);
    if (submitted.status === 0 || io.signal.aborted) break;
    if (/already exists/i.test(submitted.output) && (await http("GET", `${address}/api/jobs/${encodeURIComponent(submissionId)}`)).status === 200) {
      submitted = { status: 0, output: submitted.output };
      break;
    }
    if (/not found on PATH/.test(submitted.output)) break;
    if (/No available agent/i.test(submitted.output) && Date.now() < agentDeadline) {
      if (!saidWaiting)
        io.err.write(
          `steplens: the Ray cluster at ${address} has no job agent up yet; waiting for one (up to ${Math.round((deps.agentWaitMs ?? AGENT_WAIT_MS) / 1000)} s)\n`,
        );
      saidWaiting = true;
      attempt--; // waiting for an agent is not a failed attempt
      await sleep(deps.pollMs ?? 2000);
      continue;
    }
    if (attempt < SUBMIT_ATTEMPTS) await sleep(2000 * attempt);
  }
  if (submitted.status !== 0)
    throw new StepLensError(`ray job submit to ${address} failed: ${lastLines(submitted.output, 4)}`, {
      code: "rl-ray-submit",
      hint: "Check the address (the dashboard, e.g. http://HEAD:8265), that `ray` is on PATH here, and the cluster's state (`ray status`).",
    });
  io.err.write(`steplens: Ray job ${submissionId} submitted to ${address}; streaming its logs (Ctrl-C stops the job)\n`);

  const jobUrl = `${address}/api/jobs/${encodeURIComponent(submissionId)}`;
  let printed = 0;
  const flushLogs = async () => {
    const r = await http("GET", `${jobUrl}/logs`);
    if (r.status !== 200) return;
    const logs = (JSON.parse(r.body) as { logs?: string }).logs ?? "";
    if (logs.length > printed) {
      io.out.write(logs.slice(printed));
      printed = logs.length;
    }
  };
  const status = async (): Promise<{ status: string; message: string }> => {
    const r = await http("GET", jobUrl);
    if (r.status !== 200) throw new StepLensError(`the Jobs API at ${address} answered HTTP ${r.status} for job ${submissionId}: ${r.body.slice(0, 200)}`);
    const j = JSON.parse(r.body) as { status?: string; message?: string };
    return { status: String(j.status ?? "?"), message: String(j.message ?? "") };
  };

  let stopRequested = false;
  let stopDeadline = Infinity;
  const onAbort = () => {
    stopRequested = true;
  };
  io.signal.addEventListener("abort", onAbort, { once: true });
  if (io.signal.aborted) stopRequested = true;
  try {
    let stopSent = false;
    for (;;) {
      if (stopRequested && !stopSent) {
        stopSent = true;
        io.err.write(`\nsteplens: stopping Ray job ${submissionId} …\n`);
        const r = await http("POST", `${jobUrl}/stop`);
        if (r.status !== 200) io.err.write(`steplens: the Jobs API answered HTTP ${r.status} to the stop request: ${r.body.slice(0, 200)}\n`);
        stopDeadline = Date.now() + (deps.stopTimeoutMs ?? 60_000);
      }
      await flushLogs();
      const s = await status();
      if (TERMINAL.has(s.status)) {
        await flushLogs();
        // Ray's message repeats the log's tail (printed above already): its first line is enough.
        const why = s.message.split("\n")[0]!.replace(/,? last available logs.*$/, "");
        io.err.write(`steplens: Ray job ${submissionId} ${s.status}${why ? `: ${why}` : ""}\n`);
        return s.status === "SUCCEEDED" ? 0 : s.status === "STOPPED" ? 130 : 1;
      }
      if (Date.now() > stopDeadline) {
        io.err.write(
          `steplens: Ray job ${submissionId} is still ${s.status} ${Math.round((deps.stopTimeoutMs ?? 60_000) / 1000)} s after the stop request; check it with: ray job status ${submissionId} --address ${address}\n`,
        );
        return 1;
      }
      await sleep(pollMs);
    }
  } finally {
    io.signal.removeEventListener("abort", onAbort);
  }
}
