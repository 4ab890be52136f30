// createEngine: the config + secrets → OpenAiEngine or LocalEngine, and the OpenAI path never
// loads node-llama-cpp (checked in a child process whose module loader records every attempt to
// resolve node-llama-cpp).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { DEFAULT_CONFIG } from "../../src/config";
import { createEngine, openAiEngineOptions } from "../../src/engines/createEngine";
import { OpenAiEngine } from "../../src/engines/openai/openAiEngine";

function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "steplens") return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

test("openai config → OpenAiEngine: base URL, one model per role with prmModel for the PRM, key from the caller", async () => {
  const seen: Array<{ auth?: string; model: string }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ auth: req.headers.authorization, model: JSON.parse(body).model });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ count: 3 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const config = structuredClone(DEFAULT_CONFIG);
    config.engine.kind = "openai";
    config.openai = {
      ...config.openai,
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      model: "gen-model",
      prmModel: "prm-model",
      concurrency: 3,
    };
    const engine = await createEngine(config, { apiKey: "sk-from-secret-storage" });
    assert.ok(engine instanceof OpenAiEngine);
    const info = engine.info();
    assert.equal(info.kind, "openai");
    assert.equal(info.device, config.openai.baseUrl);
    assert.deepEqual(info.models, { prm: "prm-model", verifier: "gen-model", generator: "gen-model", prover: "gen-model" });
    assert.equal((engine as OpenAiEngine).load.limit, 3);
    assert.equal(await engine.countTokens("abc", "prm"), 3);
    assert.equal(await engine.countTokens("abc", "verifier"), 3);
    assert.deepEqual(seen, [
      { auth: "Bearer sk-from-secret-storage", model: "prm-model" },
      { auth: "Bearer sk-from-secret-storage", model: "gen-model" },
    ]);
    await engine.dispose();
    assert.equal(openAiEngineOptions(config, {}).apiKey, undefined, "no key unless the caller passes one");
    assert.deepEqual(openAiEngineOptions(config, {}).retry, { maxRetries: config.openai.maxRetries });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("the OpenAI path does not load node-llama-cpp; the local path does", async () => {
  const root = projectRoot();
  // inside the project, so the bundle resolves node-llama-cpp from its node_modules
  fs.mkdirSync(path.join(root, "out"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, "out", "lazy-import-"));
  try {
    const entry = path.join(dir, "entry.ts");
    fs.writeFileSync(
      entry,
      `import { createEngine } from ${JSON.stringify(path.join(root, "src/engines/createEngine"))};
import { DEFAULT_CONFIG } from ${JSON.stringify(path.join(root, "src/config"))};
const config = structuredClone(DEFAULT_CONFIG);
config.engine.kind = process.argv[2] as "local" | "openai";
config.openai.model = "m";
config.local.gpu = "off";
createEngine(config, {}).then(async (e) => { console.log("created " + e.info().kind); await e.dispose(); }, (e) => console.log("failed " + e.message));
`,
    );
    const bundle = path.join(dir, "entry.cjs");
    // esbuild cannot itself be bundled into this test: load the installed one.
    const esbuild = createRequire(path.join(root, "package.json"))("esbuild") as typeof import("esbuild");
    await esbuild.build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      logLevel: "error",
      external: ["node-llama-cpp", "@node-llama-cpp/*"],
      nodePaths: [path.join(root, "node_modules")],
    });
    // A loader hook (own thread) that records every resolution of node-llama-cpp in a file.
    const record = path.join(dir, "resolved.txt");
    const hooks = `export async function resolve(s, c, next) { if (s === "node-llama-cpp" || s.startsWith("@node-llama-cpp/")) (await import("node:fs")).appendFileSync(${JSON.stringify(record)}, s + "\\n"); return next(s, c); }`;
    const register = `import { register } from "node:module"; register(${JSON.stringify("data:text/javascript," + encodeURIComponent(hooks))});`;
    const run = (kind: string) =>
      spawnSync(process.execPath, ["--import", "data:text/javascript," + encodeURIComponent(register), bundle, kind], {
        cwd: root,
        encoding: "utf8",
        timeout: 120_000,
      });

    const openai = run("openai");
    assert.equal(openai.stdout.trim(), "created openai", openai.stderr);
    assert.equal(fs.existsSync(record), false, "node-llama-cpp was not resolved on the OpenAI path");

    const local = run("local");
    assert.equal(local.stdout.trim(), "created local", local.stderr);
    assert.match(fs.readFileSync(record, "utf8"), /^node-llama-cpp$/m, "the local path loads it (so the hook does see it)");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
