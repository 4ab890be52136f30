// Runs a TypeScript benchmark (bench/<name>Bench.ts): bundles it with esbuild (node-llama-cpp and
// vscode external) into out/bench/<name>.js and runs it in a child Node with this process's
// arguments, exiting with its code. Shared by the bench/*.mjs entry points.
import esbuild from "esbuild";
import path from "node:path";
import { spawnSync } from "node:child_process";

export async function runTsBench(name, entry = `bench/${name}Bench.ts`) {
  const root = path.resolve(import.meta.dirname, "..");
  const outfile = path.join(root, `out/bench/${name}.js`);
  await esbuild.build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    logLevel: "error",
    external: ["node-llama-cpp", "@node-llama-cpp/*", "vscode"],
    loader: { ".py": "text" },
  });
  const r = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}
