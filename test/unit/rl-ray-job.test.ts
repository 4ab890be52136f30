// `steplens rl launch DIR --ray-address URL`: what is submitted to Ray, read back from the dry run
// as bash would split it (the job itself runs against a real Ray head in test/python/test_ray.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { forwardedEnv, jobsApiAddress, runRayJob } from "../../src/rl/rayJob";
import { PassThrough } from "node:stream";
import { StepLensError } from "../../src/core/errors";
import { itemAt } from "../support/indexing";

test("--ray-address: a bare host:port is the dashboard over http; the Ray client port (ray://) is refused with the fix", () => {
  assert.equal(jobsApiAddress("127.0.0.1:8265"), "http://127.0.0.1:8265");
  assert.equal(jobsApiAddress(" https://head.example:8443/ "), "https://head.example:8443");
  assert.throws(
    () => jobsApiAddress("ray://head:10001"),
    (e: unknown) => e instanceof StepLensError && e.details.code === "rl-bad-ray-address" && /dashboard/.test(e.format()),
  );
});

test("a Ray job gets the reward client's and launch.sh's variables, nothing else of the shell", () => {
  const env = { STEPLENS_SERVE_TOKEN: "t0k", MODEL: "m", PATH: "/bin", HOME: "/root", AWS_SECRET_ACCESS_KEY: "x", NNODES: "2" };
  assert.deepEqual(forwardedEnv(env, { STEPLENS_IN_RAY_JOB: "1" }), { STEPLENS_SERVE_TOKEN: "t0k", MODEL: "m", NNODES: "2", STEPLENS_IN_RAY_JOB: "1" });
});

test("rl launch --ray-address --dry-run prints the ray job submit command: the run folder as working_dir, the reward check as entry point", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-ray-job-"));
  try {
    const dir = path.join(tmp, "run");
    const init = await cli(["rl", "init", "--engine", "verl", "--out", dir, "--reward-url", "http://127.0.0.1:9", "--gpus-per-node", "1"]);
    assert.equal(init.code, 0, init.err);
    const r = await cli(["rl", "launch", dir, "--ray-address", "127.0.0.1:8265", "--reward-check", "--dry-run"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MODEL: "org/model" },
    });
    assert.equal(r.code, 0, r.err);
    const line = r.out.split("\n").find((l) => l.startsWith("ray job submit "))!;
    // Split the printed command as bash does (an independent reader of the quoting).
    const words = spawnSync("bash", ["-c", `for w in ${line.slice(4)}; do printf '%s\\0' "$w"; done`], { encoding: "utf8" })
      .stdout.split("\0")
      .slice(0, -1);
    assert.deepEqual(words.slice(0, 4), ["job", "submit", "--address", "http://127.0.0.1:8265"]);
    assert.match(words[words.indexOf("--submission-id") + 1]!, /^steplens-verl-reward-check-\d{14}-[0-9a-f]{6}$/);
    const runtimeEnv = JSON.parse(words[words.indexOf("--runtime-env-json") + 1]!);
    assert.equal(runtimeEnv.working_dir, dir);
    assert.deepEqual(runtimeEnv.env_vars, { MODEL: "org/model", STEPLENS_IN_RAY_JOB: "1", STEPLENS_REWARD_URL: "http://127.0.0.1:9" });
    assert.deepEqual(words.slice(words.indexOf("--no-wait")), ["--no-wait", "--", "python3", "reward_check.py"]);
    assert.ok(fs.existsSync(path.join(dir, "reward_check.py")), "rl init wrote the reward check the job runs");
    const usage = await cli(["rl", "launch", dir, "--reward-check"]);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--reward-check goes with --ray-address/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("rl init writes Ray's runtime_env.yaml for every verl folder (dense too) and OpenRLHF, not for TRL", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-ray-env-"));
  try {
    const cases: Array<[string[], boolean]> = [
      [["--engine", "verl"], true],
      [["--engine", "verl", "--dense"], true],
      [["--engine", "openrlhf"], true],
      [["--engine", "trl"], false],
    ];
    for (const [i, [flags, expected]] of cases.entries()) {
      const dir = path.join(tmp, `run-${i}`);
      const r = await cli(["rl", "init", ...flags, "--out", dir, "--reward-url", "http://127.0.0.1:9", "--gpus-per-node", "1"]);
      assert.equal(r.code, 0, r.err);
      assert.equal(fs.existsSync(path.join(dir, "runtime_env.yaml")), expected, flags.join(" "));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** runRayJob against a scripted `ray job submit` and Jobs API: the submit answers are played in order. */
async function submitWith(answers: { status: number; output: string }[], agentWaitMs: number) {
  const calls: string[][] = [];
  const err = new PassThrough();
  let errText = "";
  err.on("data", (c) => (errText += String(c)));
  const run = async (_cmd: string, args: string[]) => {
    calls.push(args);
    return itemAt(answers, Math.min(calls.length - 1, answers.length - 1), `the scripted answer to submit call ${calls.length}`);
  };
  const http = async (_method: "GET" | "POST", url: string) =>
    url.endsWith("/logs") ? { status: 200, body: JSON.stringify({ logs: "done\n" }) } : { status: 200, body: JSON.stringify({ status: "SUCCEEDED" }) };
  const spec = { address: "http://127.0.0.1:8265", workingDir: "/tmp/x", entrypoint: ["true"], envVars: {}, excludes: [], submissionId: "steplens-test" };
  const io = { out: new PassThrough(), err, signal: new AbortController().signal, env: {} };
  try {
    const code = await runRayJob(spec, io, { run, http, pollMs: 1, agentWaitMs });
    return { code, calls: calls.length, errText };
  } catch (e) {
    return { error: (e as Error).message, calls: calls.length, errText };
  }
}

const NO_AGENT = { status: 1, output: "RuntimeError: Request failed with status code 500: No available agent to submit job, please try again later." };

test("a just-started cluster without a job agent is waited for, not counted as failed submissions (5 answers 'No available agent', then it is accepted)", async () => {
  const r = await submitWith([NO_AGENT, NO_AGENT, NO_AGENT, NO_AGENT, NO_AGENT, { status: 0, output: "Job 'steplens-test' submitted successfully" }], 60_000);
  assert.equal(r.code, 0, JSON.stringify(r));
  assert.equal(r.calls, 6, "five refusals waited out, then one accepted submission");
  assert.match(r.errText, /no job agent up yet; waiting/);
});

test("an agent that never comes up ends the wait with the submit error (no endless loop)", async () => {
  const r = await submitWith([NO_AGENT], 0);
  assert.match(String(r.error), /ray job submit to http:\/\/127\.0\.0\.1:8265 failed: .*No available agent/s);
  assert.equal(r.calls, 3, "past the wait, the usual 3 attempts");
});
