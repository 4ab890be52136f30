#!/usr/bin/env node
// Builds unit tests (each file on its own, so one broken file does not hide the others) and runs
// them with node's test runner. Usage: node test/runner/unit.mjs [test/unit/foo.test.ts ...]
import esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(import.meta.dirname, "../..");
let files = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (!files.length)
  files = fs
    .readdirSync(path.join(root, "test/unit"), { recursive: true })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join("test/unit", f));
// Every `import … from "node:test"` in a test file resolves to test/support/nodeTest.ts: node's
// module whose test()/it() carry a default time limit, so a hanging test fails under its own name.
const NODE_TEST_SHIM = path.join(root, "test/support/nodeTest.ts");
const perTestTimeout = {
  name: "per-test-timeout",
  setup(build) {
    build.onResolve({ filter: /^node:test$/ }, (args) => (args.importer === NODE_TEST_SHIM ? { path: "node:test", external: true } : { path: NODE_TEST_SHIM }));
  },
};
const outs = [];
let buildFailed = false;
for (const f of files) {
  const out = path.join("out", f.replace(/\.ts$/, ".js"));
  try {
    await esbuild.build({
      entryPoints: [f],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      sourcemap: "inline",
      absWorkingDir: root,
      logLevel: "error",
      external: ["vscode", "node-llama-cpp", "@node-llama-cpp/*"],
      loader: { ".py": "text" }, // src/rl/python/*.py are embedded as text, as src/build/build.mjs does
      plugins: [perTestTimeout],
    });
    outs.push(out);
  } catch {
    console.error(`build failed: ${f}`);
    buildFailed = true;
  }
}
if (!outs.length) {
  console.error("unit: no test file could be built");
  process.exit(1);
}
const extra = process.argv.slice(2).filter((a) => a.startsWith("--"));
// Each test has its own limit (test/support/nodeTest.ts, 120 s unless the test sets one). On Node 20
// --test-timeout bounds a whole file: the backstop for a file that never exits (a server left open
// after its tests). A later --test-timeout=N on the command line overrides it.
const FILE_TIMEOUT_MS = 600_000;
const r = spawnSync(process.execPath, ["--enable-source-maps", "--test", "--test-concurrency=1", `--test-timeout=${FILE_TIMEOUT_MS}`, ...extra, ...outs], {
  cwd: root,
  stdio: "inherit",
});
process.exit(buildFailed ? 1 : (r.status ?? 1));
