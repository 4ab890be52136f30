#!/usr/bin/env node
// Builds the bundles with esbuild (type-checking is separate: `npm run typecheck`):
//   dist/extension.js  extension host (CJS; `vscode` and `node-llama-cpp` external, the latter loaded with await import())
//   dist/cli.js        the `steplens` CLI (CJS, shebang)
//   dist/webview.js    the inspector webview (browser IIFE)
//   dist/dashboard.js  the dataset dashboard webview (browser IIFE); dist/katex.css + dist/katex-fonts/ for the inspector's math
// Flags: --watch, --tests (also builds test/unit, test/vscode and test/vscode-untrusted into out/test), --production (minify, no sourcemaps)
import esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const args = new Set(process.argv.slice(2));
const watch = args.has("--watch");
const production = args.has("--production");
const withTests = args.has("--tests");

/** Prints esbuild problems in the `file:line:col: error: message` form VS Code's $esbuild-watch matcher reads. */
const problemMatcher = {
  name: "problem-matcher",
  setup(build) {
    build.onStart(() => {
      if (watch) console.log("[watch] build started");
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log("[watch] build finished");
    });
  },
};

const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const common = {
  define: { STEPLENS_VERSION: JSON.stringify(pkg.version) },
  bundle: true,
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "warning",
  plugins: [problemMatcher],
  absWorkingDir: root,
  // The Python StepLens generates (src/rl/python/*.py) is embedded as text.
  loader: { ".py": "text" },
};
// node-llama-cpp: native binaries + per-platform packages, must stay a real node_module (loaded with import()).
const nodeExternals = ["vscode", "node-llama-cpp", "@node-llama-cpp/*"];

const builds = [
  {
    ...common,
    entryPoints: ["src/extension/main.ts"],
    outfile: "dist/extension.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: nodeExternals,
  },
  {
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/cli.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: nodeExternals,
    banner: { js: "#!/usr/bin/env node" },
    define: { ...common.define, STEPLENS_CLI_ENTRY: "true" },
  },
  { ...common, entryPoints: ["webview/main.ts"], outfile: "dist/webview.js", platform: "browser", format: "iife", target: "es2022" },
  // The dataset dashboard webview, and KaTeX's CSS with its fonts (served from dist/ by asWebviewUri: no network).
  { ...common, entryPoints: ["webview/dashboard.ts"], outfile: "dist/dashboard.js", platform: "browser", format: "iife", target: "es2022" },
  {
    ...common,
    entryPoints: ["webview/katex.css"],
    outfile: "dist/katex.css",
    sourcemap: false,
    minify: true,
    loader: { ...common.loader, ".woff2": "file", ".woff": "file", ".ttf": "file" },
    assetNames: "katex-fonts/[name]-[hash]",
  },
];

function listTests(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true })
    .filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => path.join(dir, f));
}
if (withTests) {
  // Unit tests, the extension-host suite and its untrusted-workspace pass (run-vscode-tests.mjs --untrusted).
  for (const dir of ["test/unit", "test/vscode", "test/vscode-untrusted"]) {
    const entryPoints = listTests(dir);
    if (entryPoints.length)
      builds.push({
        ...common,
        entryPoints,
        outdir: `out/${dir}`,
        outbase: dir,
        platform: "node",
        format: "cjs",
        target: "node20",
        external: [...nodeExternals, "mocha"],
      });
  }
}

const existing = builds.filter((b) => (b.entryPoints ?? []).every((e) => fs.existsSync(path.join(root, e))));
if (watch) {
  for (const b of existing) await (await esbuild.context(b)).watch();
} else {
  const t0 = performance.now();
  await Promise.all(existing.map((b) => esbuild.build(b)));
  fs.chmodSync(path.join(root, "dist/cli.js"), 0o755);
  console.log(`built ${existing.length} bundles in ${(performance.now() - t0).toFixed(0)} ms`);
}
