#!/usr/bin/env node
// `npm run package`: builds with --production and writes steplens-<version>-linux-x64.vsix with
// @vscode/vsce (`--target linux-x64`).
//
// The .vsix carries node-llama-cpp in node_modules (it stays a real module: its native binaries and
// the binary probe it forks must be on disk) with only the @node-llama-cpp/* variants the target
// needs. Nothing is downloaded: the extension is staged in a temporary folder with a copy of the
// production dependency closure from this repository's node_modules (like `npm install --omit=dev
// --omit=optional`, then the chosen variants), and vsce packs that folder; .vscodeignore keeps out
// sources, tests, typescript and node-llama-cpp's 34 MB llama/gitRelease.bundle.
//
// Usage: node src/build/package.mjs [--no-build] [--out <file.vsix>] [--variants linux-x64,linux-x64-vulkan]
// Env: STEPLENS_PACKAGE_VARIANTS (same as --variants). Default variants: linux-x64 (CPU). The GPU
// variants are large (vulkan ~70 MB, cuda ~180 MB unpacked, cuda-ext ~360 MB): add them for a GPU build.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { packagedReadme } from "./packagedReadme.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const TARGET = "linux-x64";
const { values: opts } = parseArgs({
  options: {
    "no-build": { type: "boolean", default: false },
    out: { type: "string" },
    variants: { type: "string", default: process.env.STEPLENS_PACKAGE_VARIANTS || TARGET },
    "keep-stage": { type: "boolean", default: false },
  },
});
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const variants = new Set(
  opts.variants
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => v.replace(/^@node-llama-cpp\//, "")),
);
for (const v of variants) {
  if (v !== TARGET && !v.startsWith(`${TARGET}-`))
    fail(`variant ${v} does not run on ${TARGET}; pick from ${TARGET}, ${TARGET}-vulkan, ${TARGET}-cuda, ${TARGET}-cuda-ext`);
}
/** Paths (relative to the repo) never copied into the stage: large files .vscodeignore drops anyway. */
const NEVER_COPY = [/node-llama-cpp\/llama\/gitRelease\.bundle$/, /node-llama-cpp\/llama\/llama\.cpp(\/|$)/, /\/\.cache(\/|$)/];
const outFile = path.resolve(opts.out ?? path.join(root, `${pkg.name}-${pkg.version}-${TARGET}.vsix`));
const t0 = performance.now();
const step = (msg) => console.log(`[package ${((performance.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

// 1. production build
if (!opts["no-build"]) {
  run(process.execPath, [path.join(root, "src/build/build.mjs"), "--production"], { cwd: root });
  step("built (--production)");
}
if (!fs.existsSync(path.join(root, pkg.main))) fail(`${pkg.main} is missing: run node src/build/build.mjs --production`);

// 2. stage the extension: everything vsce could take from the repository, minus heavy local folders
const stage = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-package-"));
const removeStage = () => {
  if (!opts["keep-stage"]) fs.rmSync(stage, { recursive: true, force: true });
};
process.on("exit", removeStage); // fail() exits without unwinding the finally below
try {
  const skipTop = new Set(["node_modules", ".git", ".test-env", "out", ".vscode-test", "test-artifacts"]);
  for (const entry of fs.readdirSync(root)) {
    if (skipTop.has(entry) || entry.endsWith(".vsix")) continue;
    fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true, dereference: false });
  }
  if (!fs.existsSync(path.join(stage, ".vscodeignore"))) fail(".vscodeignore is missing");

  // 3. production dependency closure of the dependencies the bundles load at run time (esbuild
  //    inlines the rest, e.g. openai): recursively, optional ones only for the chosen
  //    @node-llama-cpp variants; peers such as typescript are not shipped
  // node-llama-cpp always ships (local models are the extension's main engine).
  const external = [...new Set([...externalDependencies(), "node-llama-cpp"])];
  const closure = productionClosure(root, external);
  // The staged manifest lists only what ships in node_modules (the bundles inline the others), so
  // vsce's `npm list --production` sees a complete tree.
  const stagedPkg = { ...pkg, dependencies: Object.fromEntries(external.map((d) => [d, pkg.dependencies[d]])) };
  fs.writeFileSync(path.join(stage, "package.json"), JSON.stringify(stagedPkg, null, 2) + "\n");
  const missingVariants = [...variants].filter((v) => !closure.some((c) => c.name === `@node-llama-cpp/${v}`));
  if (missingVariants.length)
    fail(`@node-llama-cpp/${missingVariants.join(", @node-llama-cpp/")} is not installed in node_modules (npm ci installs the variants for this platform)`);
  for (const { dir } of closure) {
    const rel = path.relative(root, dir);
    fs.cpSync(dir, path.join(stage, rel), {
      recursive: true,
      filter: (src) => !NEVER_COPY.some((re) => re.test(path.relative(root, src))),
    });
  }
  step(`staged ${closure.length} production packages for ${external.join(", ")} (variants: ${[...variants].map((v) => `@node-llama-cpp/${v}`).join(", ")})`);

  // 4. the packaged README: the linked docs inlined, links made in-page (src/build/packagedReadme.mjs)
  fs.writeFileSync(path.join(stage, "README.md"), packagedReadme(root));

  // 5. vsce package
  fs.rmSync(outFile, { force: true });
  const vsce = path.join(root, "node_modules/@vscode/vsce/vsce");
  run(process.execPath, [vsce, "package", "--target", TARGET, "--out", outFile, "--no-yarn", "--allow-missing-repository", "--no-rewrite-relative-links"], {
    cwd: stage,
  });
  step(`vsce packaged ${path.relative(root, outFile)}`);
} finally {
  if (opts["keep-stage"]) console.log(`stage kept: ${stage}`);
  removeStage();
}

// 5. check what went in, and report size and file count
const entries = zipEntries(outFile);
const files = entries.filter((e) => !e.endsWith("/"));
const must = [
  "extension/package.json",
  `extension/${pkg.main.replace(/^\.\//, "")}`,
  "extension/node_modules/node-llama-cpp/package.json",
  ...[...variants].map((v) => `extension/node_modules/@node-llama-cpp/${v}/package.json`),
];
const mustNot = [
  [/^extension\/node_modules\/typescript\//, "node_modules/typescript"],
  [/gitRelease\.bundle$/, "node-llama-cpp/llama/gitRelease.bundle"],
  [/^extension\/(src|test|bench|scripts|webview|\.test-env|out)\//, "sources, tests or local folders"],
  [/^extension\/node_modules\/@node-llama-cpp\/([^/]+)\//, "another @node-llama-cpp variant", (m) => !variants.has(m[1])],
];
const problems = must.filter((m) => !files.includes(m)).map((m) => `missing ${m}`);
for (const [re, what, extra] of mustNot) {
  const hit = files.find((f) => {
    const m = re.exec(f);
    return m && (!extra || extra(m));
  });
  if (hit) problems.push(`should not contain ${what} (found ${hit})`);
}
const expectedTop =
  /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE[^/]*|dist|media|syntaxes|node_modules|l10n|walkthroughs|package\.nls[^/]*\.json)(\/|$)/i;
const unexpected = [...new Set(files.filter((f) => f.startsWith("extension/") && !expectedTop.test(f)).map((f) => f.split("/").slice(0, 2).join("/")))];
if (unexpected.length)
  console.warn(
    `package: note: unexpected top-level entries in the .vsix (add them to .vscodeignore if they are not needed at run time): ${unexpected.join(", ")}`,
  );
const size = fs.statSync(outFile).size;
console.log(
  `${path.relative(process.cwd(), outFile) || outFile}: ${(size / 1024 / 1024).toFixed(1)} MB, ${files.length} files (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
if (problems.length) fail(`the .vsix is wrong:\n  ${problems.join("\n  ")}`);

// ---------------------------------------------------------------------------------------------

/** The package.json dependencies that the built bundles still require()/import() (not inlined by esbuild). */
function externalDependencies() {
  const bundles = fs
    .readdirSync(path.join(root, "dist"))
    .filter((f) => /\.(c|m)?js$/.test(f))
    .map((f) => fs.readFileSync(path.join(root, "dist", f), "utf8"))
    .join("\n");
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return Object.keys(pkg.dependencies ?? {}).filter((dep) => new RegExp(`(require|import)\\(\\s*["'\`]${escape(dep)}(/[^"'\`]*)?["'\`]\\s*\\)`).test(bundles));
}

function productionClosure(rootDir, roots) {
  const seen = new Map(); // dir -> name
  const visit = (fromDir, name, optional) => {
    const dir = resolvePackageDir(fromDir, name);
    if (!dir) {
      if (optional) return;
      fail(`production dependency ${name} (needed by ${path.relative(rootDir, fromDir) || "the extension"}) is not installed: run npm ci`);
    }
    if (seen.has(dir)) return;
    seen.set(dir, name);
    const p = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(p.dependencies ?? {})) {
      visit(dir, dep, Boolean(p.optionalDependencies?.[dep]));
    }
    for (const dep of Object.keys(p.optionalDependencies ?? {})) {
      const variant = dep.startsWith("@node-llama-cpp/") ? dep.slice("@node-llama-cpp/".length) : null;
      if (variant !== null && variants.has(variant)) visit(dir, dep, true);
    }
  };
  for (const dep of roots) visit(rootDir, dep, false);
  return [...seen].map(([dir, name]) => ({ dir, name }));
}

/** Node's lookup: <from>/node_modules/<name>, then each parent's node_modules, up to the repo root. */
function resolvePackageDir(fromDir, name) {
  for (let d = fromDir; d.startsWith(root); d = path.dirname(d)) {
    const candidate = path.join(d, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (d === root) break;
  }
  return null;
}

/** Entry names from a zip's central directory. */
function zipEntries(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(off) !== 0x02014b50) fail(`${file}: bad central directory`);
    const nameLen = buf.readUInt16LE(off + 28),
      extraLen = buf.readUInt16LE(off + 30),
      commentLen = buf.readUInt16LE(off + 32);
    names.push(buf.toString("utf8", off + 46, off + 46 + nameLen));
    off += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...options });
  if (r.status !== 0) fail(`${path.basename(cmd)} ${args.slice(0, 2).join(" ")} failed (exit ${r.status})`);
}

function fail(msg) {
  console.error(`package: ${msg}`);
  process.exit(1);
}
