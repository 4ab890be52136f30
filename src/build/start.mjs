#!/usr/bin/env node
// `npm start`: builds StepLens and opens it on examples/.
//   - In VS Code when `code` is on the PATH: `code --extensionDevelopmentPath=<repo> examples`.
//   - Otherwise in code-server (installed into .test-env/ by test/runner/setup-test-env.sh, run here if
//     needed) on a printed http://127.0.0.1:<port>/ URL, with this repository linked into its
//     extensions folder, until Ctrl-C. Rebuild (`npm run build` or `npm run watch`) and run
//     "Developer: Reload Window" in the browser to pick up changes.
// Installs only what starting needs (libkrb5-dev, Node 24, code-server: `setup-test-env.sh --start`;
// no Chromium, no Python), quietly: one progress line per phase, everything else in
// .test-env/start-setup.log; it ends with the URL in a box.
// Usage: npm start [-- --code-server] [--port N] [--folder <dir>] [--no-build]
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT, createRunDir, listExtensions, missingTestEnv, startCodeServer, stopProcessGroup, workbenchUrl } from "../../test/runner/code-server.mjs";

const { values: opts } = parseArgs({
  options: {
    "code-server": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    port: { type: "string", default: process.env.STEPLENS_PORT },
    folder: { type: "string", default: path.join(REPO_ROOT, "examples") },
  },
});
const folder = path.resolve(opts.folder);
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));

// 1. build (its output is shown only when it fails)
if (!opts["no-build"]) {
  const t0 = Date.now();
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, "src/build/build.mjs")], { cwd: REPO_ROOT, encoding: "utf8" });
  if (built.status !== 0) {
    process.stderr.write(`${built.stdout ?? ""}${built.stderr ?? ""}`);
    fail("the build failed");
  }
  phase(`built StepLens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
if (!fs.existsSync(path.join(REPO_ROOT, pkg.main))) fail(`${pkg.main} is missing: run npm run build`);

// 2. VS Code, when installed
const code = opts["code-server"] ? null : findOnPath("code");
if (code) {
  console.log(`opening ${path.relative(process.cwd(), folder) || folder} in VS Code with StepLens from ${REPO_ROOT}`);
  const r = spawnSync(code, [`--extensionDevelopmentPath=${REPO_ROOT}`, folder], { stdio: "inherit" });
  process.exit(r.status ?? 0);
}

// 3. code-server: install what is missing (quietly), then start it
await ensureStartEnv();
phase("starting code-server");
const run = createRunDir("start", {
  persistent: true, // .test-env/start keeps your settings and state between runs
  settings: {
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "chat.disableAIFeatures": true,
    "git.openRepositoryInParentFolders": "never",
    "workbench.secondarySideBar.defaultVisibility": "hidden",
  },
});
// The repository itself is the installed extension: a link in the extensions folder, registered in
// its extensions.json (what `--install-extension` would write), so the plain URL loads StepLens.
const extensionId = `${pkg.publisher}.${pkg.name}`;
const link = path.join(run.extensions, `${extensionId}-${pkg.version}`);
for (const entry of fs.readdirSync(run.extensions)) {
  if (entry.startsWith(`${extensionId}-`) && entry !== path.basename(link)) fs.rmSync(path.join(run.extensions, entry), { recursive: true, force: true });
}
if (!fs.existsSync(link)) fs.symlinkSync(REPO_ROOT, link, "dir");
registerLinkedExtension(run.extensions, extensionId, pkg.version, link);

const installed = listExtensions(run);
const useDevelopmentPath = !installed.some((e) => e.startsWith(`${extensionId}@`));
const server = await startCodeServer(run, {
  folder,
  port: opts.port ? Number(opts.port) : undefined,
  smokeTestDriver: useDevelopmentPath, // only needed for the ?payload= fallback below
});
const url = useDevelopmentPath
  ? workbenchUrl(server.origin, { folder, extensionDevelopmentPath: REPO_ROOT })
  : `${server.origin}/?folder=${encodeURIComponent(folder)}`;
fs.writeFileSync(path.join(run.dir, "url.txt"), `${url}\n`);
const title = `StepLens ${pkg.version} is running in code-server. Open this URL in a browser:`;
const width = Math.max(title.length, url.length) + 4;
const rule = "=".repeat(width);
console.log(`
${rule}
  ${title}

  ${url}
${rule}
Workspace ${path.relative(REPO_ROOT, folder) || folder}; bound to 127.0.0.1 only; code-server log: ${path.relative(process.cwd(), server.logFile)}. Ctrl-C stops it.`);

const shutdown = (signal) => {
  console.log(`\n${signal}: stopping code-server`);
  stopProcessGroup(server.pid);
  process.exit(0);
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
server.child.on("exit", (codeNum, signal) => {
  console.error(`code-server exited (${signal ?? codeNum}); see ${server.logFile}`);
  process.exit(1);
});

// ---------------------------------------------------------------------------------------------

function registerLinkedExtension(extensionsDir, id, version, location) {
  const file = path.join(extensionsDir, "extensions.json");
  let list = [];
  try {
    list = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    /* first run */
  }
  list = list.filter((e) => e?.identifier?.id?.toLowerCase() !== id.toLowerCase());
  list.push({
    identifier: { id },
    version,
    location: { $mid: 1, path: location, scheme: "file" },
    relativeLocation: path.basename(location),
    metadata: { installedTimestamp: Date.now(), source: "vsix" },
  });
  fs.writeFileSync(file, JSON.stringify(list));
}

/** One progress line per phase. */
function phase(text) {
  console.log(`npm start: ${text}`);
}

/**
 * Node 24 and code-server (and the libkrb5-dev headers code-server's build needs), installed by
 * `setup-test-env.sh --start` when missing; its output goes to .test-env/start-setup.log and only its
 * `[setup-test-env]` lines (one per phase) are shown.
 */
async function ensureStartEnv() {
  const missing = missingTestEnv().filter((m) => !m.startsWith("chromium"));
  if (!missing.length) return;
  const logFile = path.join(REPO_ROOT, ".test-env", "start-setup.log");
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile);
  phase(`installing what starting needs (${missing.map((m) => m.replace(/ \(.*$/, "")).join(", ")}); details in ${path.relative(process.cwd(), logFile)}`);
  const child = spawn("bash", [path.join(REPO_ROOT, "test/runner/setup-test-env.sh"), "--start"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let rest = "";
  child.stdout.on("data", (d) => {
    log.write(d);
    const lines = (rest + d).split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) if (l.startsWith("[setup-test-env] ")) phase(l.slice("[setup-test-env] ".length));
  });
  child.stderr.on("data", (d) => log.write(d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  await new Promise((resolve) => log.end(resolve));
  if (code !== 0) {
    const tail = fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-15).join("\n");
    process.stderr.write(`${tail}\n`);
    fail(`installing failed (exit ${code}); the whole log: ${logFile}`);
  }
  const still = missingTestEnv().filter((m) => !m.startsWith("chromium"));
  if (still.length) fail(`still missing after the install: ${still.join(", ")} (log: ${logFile})`);
}

function findOnPath(cmd) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function fail(msg) {
  console.error(`npm start: ${msg}`);
  process.exit(1);
}
