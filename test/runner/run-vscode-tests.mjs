#!/usr/bin/env node
// Runs the integration suite (test/vscode, built to out/test/vscode) inside a real VS Code extension
// host, with a fresh copy of test/fixtures/workspace open (in the run directory, removed after a
// passing run: what the tests write, e.g. .steplens/labels.jsonl, never lands in the repository), and
// fails unless the suite actually ran and passed.
//
// Two runners execute the same suite:
//   - code-server (default; for machines that cannot download VS Code): code-server from
//     .test-env/ is started with VS Code's smoke-test driver, headless Debian chromium opens the
//     workbench with ?payload=[extensionDevelopmentPath, extensionTestsPath], and the workbench
//     reports the suite's exit code through window.codeAutomationExit.
//   - @vscode/test-electron (when VSCODE_EXECUTABLE is set, or STEPLENS_TEST_ELECTRON=1 where VS Code
//     can be downloaded; STEPLENS_VSCODE_VERSION picks the version, default "stable"). On Linux
//     without a display, run it under xvfb-run.
//
// The suite writes its results as JSON to $STEPLENS_TEST_RESULTS; this runner prints them and a
// closing line `vscode: N passed, M failed`.
//
// --untrusted runs the Workspace Trust pass instead (test/vscode-untrusted, built to
// out/test/vscode-untrusted; code-server only): a fresh copy of the fixture workspace, with a
// .vscode/settings.json that sets a restricted setting (steplens.models.prm) and an unrestricted one
// (steplens.prm.threshold), opened with Workspace Trust enabled (`security.workspace.trust.enabled:
// true`, `startupPrompt: "never"`, no --disable-workspace-trust) in a new user-data-dir and browser
// profile, so the folder is in restricted mode. Its closing line is `vscode-untrusted: N passed, M failed`.
// Usage: node test/runner/run-vscode-tests.mjs [--no-build] [--keep] [--untrusted]
// Env: STEPLENS_VSCODE_TEST_TIMEOUT_MS (default 300000), VERBOSE=1 (browser console).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  ARTIFACTS_DIR,
  FIXTURE_WORKSPACE,
  REPO_ROOT,
  TEST_SETTINGS,
  createRunDir,
  ensureTestEnv,
  extensionHostLogs,
  launchChromium,
  removeRunDir,
  seconds,
  startCodeServer,
  tail,
  workbenchUrl,
} from "./code-server.mjs";

const args = new Set(process.argv.slice(2));
const untrusted = args.has("--untrusted");
/** The suite's name: in the closing line, the artifacts folder and the run directory. */
const SUITE = untrusted ? "vscode-untrusted" : "vscode";
const TESTS_ENTRY = path.join(REPO_ROOT, `out/test/${SUITE}/index.js`);
const TIMEOUT_MS = Number(process.env.STEPLENS_VSCODE_TEST_TIMEOUT_MS || 300_000);
const ARTIFACTS = path.join(ARTIFACTS_DIR, SUITE);
// @vscode/test-electron always adds --disable-workspace-trust: the untrusted pass runs in code-server.
const useElectron = !untrusted && (Boolean(process.env.VSCODE_EXECUTABLE) || process.env.STEPLENS_TEST_ELECTRON === "1");
/** Workspace Trust on, never prompted for at startup: an unknown folder opens in restricted mode. */
const UNTRUSTED_SETTINGS = {
  ...TEST_SETTINGS,
  "security.workspace.trust.enabled": true,
  "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.emptyWindow": false,
};
/** The untrusted copy's .vscode/settings.json (test/vscode-untrusted/restricted.test.ts checks these values). */
const UNTRUSTED_WORKSPACE_SETTINGS = { "steplens.models.prm": "workspace-model.gguf", "steplens.prm.threshold": 0.25 };
const t0 = Date.now();
let run = null;
let resultsFile = null;
const log = (msg) => console.log(`[${SUITE} ${seconds(Date.now() - t0)}] ${msg}`);

if (!args.has("--no-build")) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "src/build/build.mjs"), "--tests"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (r.status !== 0) finish({ error: "build failed" });
}
if (!fs.existsSync(TESTS_ENTRY)) finish({ error: `${path.relative(REPO_ROOT, TESTS_ENTRY)} is missing: build with node src/build/build.mjs --tests` });
if (!fs.existsSync(path.join(REPO_ROOT, "dist/extension.js"))) finish({ error: "dist/extension.js is missing: build first" });
fs.mkdirSync(ARTIFACTS, { recursive: true });

run = createRunDir(untrusted ? "vscode-untrusted-tests" : "vscode-tests", { settings: untrusted ? UNTRUSTED_SETTINGS : TEST_SETTINGS });
resultsFile = path.join(run.dir, "results.json");
const outcome = useElectron ? await runWithTestElectron() : await runWithCodeServer();
finish(outcome);

async function runWithCodeServer() {
  ensureTestEnv();
  const folder = copyWorkspace();
  const env = { STEPLENS_TEST_RESULTS: resultsFile };
  if (untrusted) {
    // A fresh folder nobody has trusted, with the workspace settings the untrusted suite checks.
    fs.mkdirSync(path.join(folder, ".vscode"), { recursive: true });
    fs.writeFileSync(path.join(folder, ".vscode/settings.json"), JSON.stringify(UNTRUSTED_WORKSPACE_SETTINGS, null, 2));
    env.STEPLENS_TEST_LOGS_DIR = path.join(run.userData, "logs");
  }
  const server = await startCodeServer(run, { smokeTestDriver: true, workspaceTrust: untrusted, env });
  log(`code-server listening on ${server.origin} (run dir ${path.relative(REPO_ROOT, run.dir)})`);
  let browser;
  try {
    browser = await launchChromium(run);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on("console", (m) => {
      if (process.env.VERBOSE) console.log(`[browser ${m.type()}] ${m.text().slice(0, 500)}`);
    });
    page.on("pageerror", (e) => {
      if (process.env.VERBOSE) console.log(`[pageerror] ${e.message.slice(0, 300)}`);
    });
    const exitCode = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), TIMEOUT_MS);
      // The workbench calls window.codeAutomationExit(code) when the extension test run ends.
      page
        .exposeFunction("codeAutomationExit", (code) => {
          clearTimeout(timer);
          resolve(code);
        })
        .then(() =>
          page.goto(
            workbenchUrl(server.origin, {
              folder,
              extensionDevelopmentPath: REPO_ROOT,
              extensionTestsPath: TESTS_ENTRY,
            }),
          ),
        )
        .catch((e) => {
          clearTimeout(timer);
          resolve(`browser error: ${e.message}`);
        });
    });
    log(exitCode === "timeout" ? `no exit from the extension host within ${TIMEOUT_MS} ms` : `extension host finished the suite: exit ${exitCode}`);
    await page.screenshot({ path: path.join(ARTIFACTS, exitCode === 0 ? "workbench.png" : "failure.png") }).catch(() => {});
    return { exitCode };
  } finally {
    await browser?.close().catch(() => {});
    server.stop();
  }
}

async function runWithTestElectron() {
  const { runTests } = await import("@vscode/test-electron");
  fs.writeFileSync(path.join(run.userData, "User/settings.json"), JSON.stringify(TEST_SETTINGS, null, 2));
  log(`@vscode/test-electron with ${process.env.VSCODE_EXECUTABLE ?? `VS Code ${process.env.STEPLENS_VSCODE_VERSION ?? "stable"} (download)`}`);
  try {
    const exitCode = await runTests({
      ...(process.env.VSCODE_EXECUTABLE
        ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE }
        : { version: process.env.STEPLENS_VSCODE_VERSION ?? "stable" }),
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: TESTS_ENTRY,
      extensionTestsEnv: { STEPLENS_TEST_RESULTS: resultsFile },
      // (test-electron adds --disable-workspace-trust, --skip-welcome, --no-sandbox, ... itself)
      launchArgs: [copyWorkspace(), "--disable-extensions", "--user-data-dir", run.userData, "--extensions-dir", run.extensions],
    });
    return { exitCode };
  } catch (e) {
    return { exitCode: `test-electron error: ${e?.message ?? e}` };
  }
}

/** A fresh copy of test/fixtures/workspace in the run directory (removed with it after a passing run); returns its path. */
function copyWorkspace() {
  const folder = path.join(run.dir, "workspace");
  fs.cpSync(FIXTURE_WORKSPACE, folder, { recursive: true });
  return folder;
}

/** Prints the results and the closing line; exits non-zero unless the suite ran, ran tests, and all passed. */
function finish({ exitCode, error }) {
  let results = null;
  if (!error && resultsFile) {
    try {
      results = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
    } catch {
      /* the suite never wrote it */
    }
  }
  const problems = [];
  if (error) problems.push(error);
  else if (!results) problems.push(`the suite did not run: no results were written (exit ${JSON.stringify(exitCode)})`);
  else {
    for (const t of results.tests) {
      console.log(`  ${t.state === "passed" ? "✓" : "✗"} ${t.title} (${t.durationMs} ms)`);
      if (t.error)
        console.log(
          t.error
            .split("\n")
            .slice(0, 8)
            .map((l) => `      ${l}`)
            .join("\n"),
        );
    }
    console.log(
      `  host: VS Code ${results.host.vscode}, Node ${results.host.node}${results.host.electron ? `, Electron ${results.host.electron}` : ""}; ${results.files.length} test files`,
    );
    if (results.total === 0) problems.push("the suite ran zero tests");
    if (results.failed > 0) problems.push(`${results.failed} tests failed`);
    if (exitCode !== 0) problems.push(`the extension host reported exit ${JSON.stringify(exitCode)}`);
  }
  if (problems.length && run) {
    const logs = useElectron ? [] : [run.logFile, ...extensionHostLogs(run)];
    for (const f of logs) {
      const text = tail(f, 30);
      if (text.trim()) console.log(`--- ${path.relative(REPO_ROOT, f)} (last lines) ---\n${text}`);
    }
    for (const f of logs) {
      if (fs.existsSync(f)) fs.copyFileSync(f, path.join(ARTIFACTS, path.basename(f)));
    }
    console.log(`run directory kept: ${path.relative(REPO_ROOT, run.dir)}`);
  } else if (run && !problems.length && !args.has("--keep")) {
    removeRunDir(run);
  }
  for (const p of problems) console.error(`${SUITE}: FAILED: ${p}`);
  log(`done (${useElectron ? "@vscode/test-electron" : "code-server"}${untrusted ? ", untrusted workspace" : ""})`);
  console.log(`${SUITE}: ${results?.passed ?? 0} passed, ${results?.failed ?? 0} failed`);
  process.exit(problems.length ? 1 : 0);
}
