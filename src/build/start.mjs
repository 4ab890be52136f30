#!/usr/bin/env node
// `npm start`: builds StepLens and opens it on examples/.
//   - In VS Code when `code` is on the PATH: `code --extensionDevelopmentPath=<repo> examples`.
//   - Otherwise in code-server (installed into .test-env/ by test/runner/setup-test-env.sh, run here if
//     needed) on a printed http://127.0.0.1:<port>/ URL, with this repository linked into its
//     extensions folder, until Ctrl-C. Rebuild (`npm run build` or `npm run watch`) and run
//     "Developer: Reload Window" in the browser to pick up changes.
// Usage: npm start [-- --code-server] [--port N] [--folder <dir>] [--no-build]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT, createRunDir, ensureTestEnv, listExtensions, startCodeServer, stopProcessGroup, workbenchUrl } from "../../test/runner/code-server.mjs";

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

// 1. build
if (!opts["no-build"]) {
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, "src/build/build.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
  if (built.status !== 0) fail("the build failed");
}
if (!fs.existsSync(path.join(REPO_ROOT, pkg.main))) fail(`${pkg.main} is missing: run npm run build`);

// 2. VS Code, when installed
const code = opts["code-server"] ? null : findOnPath("code");
if (code) {
  console.log(`opening ${path.relative(process.cwd(), folder) || folder} in VS Code with StepLens from ${REPO_ROOT}`);
  const r = spawnSync(code, [`--extensionDevelopmentPath=${REPO_ROOT}`, folder], { stdio: "inherit" });
  process.exit(r.status ?? 0);
}

// 3. code-server
ensureTestEnv();
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
console.log(`
StepLens ${pkg.version} in code-server, workspace ${path.relative(REPO_ROOT, folder) || folder}:

    ${url}

(bound to 127.0.0.1 only; code-server log: ${path.relative(process.cwd(), server.logFile)}). Press Ctrl-C to stop.`);

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
