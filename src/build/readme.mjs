#!/usr/bin/env node
// `npm run readme`: regenerates the README's settings table from package.json (src/docs/settingsTable.ts).
// `--check` exits 1 when the README is out of date instead of writing it.
import esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const out = await esbuild.build({
  entryPoints: [path.join(root, "src/docs/settingsTable.ts")],
  bundle: true,
  format: "esm",
  platform: "node",
  write: false,
  logLevel: "error",
});
const { withSettingsTable } = await import(`data:text/javascript,${encodeURIComponent(out.outputFiles[0].text)}`);
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const file = path.join(root, "README.md");
const before = fs.readFileSync(file, "utf8");
const after = withSettingsTable(before, manifest);
if (process.argv.includes("--check")) {
  if (after !== before) {
    console.error("README.md: the settings table is out of date; run `npm run readme`.");
    process.exit(1);
  }
} else if (after !== before) {
  fs.writeFileSync(file, after);
  console.log("README.md: settings table updated");
}
