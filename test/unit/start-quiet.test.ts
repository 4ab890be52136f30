/**
 * `npm start` installs only what starting needs, quietly, and ends with the URL (issue 18: ~570 lines
 * of apt and compiler output, and Chromium, 416 MB, which starting never uses).
 * 1. `setup-test-env.sh --start` on this machine: only its phase lines, no Chromium, no Python/torch
 *    step, ends "ready for npm start".
 * 2. `node src/build/start.mjs --no-build --code-server` for real: a handful of lines, the URL in a
 *    box, and the URL answers; the code-server process group is stopped afterwards.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../support/repo";
import { itemAt } from "../support/indexing";

const root = repoRoot();

test("setup-test-env.sh --start: Node 24 and code-server only, one line per phase", () => {
  const r = spawnSync("bash", [path.join(root, "test/runner/setup-test-env.sh"), "--start"], { cwd: root, encoding: "utf8", timeout: 900_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.ok(
    lines.every((l) => l.startsWith("[setup-test-env] ")),
    r.stdout,
  );
  assert.ok(lines.length <= 8, `${lines.length} lines`);
  assert.doesNotMatch(r.stdout, /chromium|torch|Python|pip install|Gemma/i);
  assert.match(itemAt(lines, lines.length - 1, "the last line"), /ready for npm start/);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test("npm start (code-server, already built): a few progress lines, then the URL in a box; the URL answers", { timeout: 240_000 }, async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, "src/build/start.mjs"), "--no-build", "--code-server", "--port", String(port)], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL banner within 180 s; stdout:\n${out}\nstderr:\n${err}`)), 180_000);
      const check = () => {
        const m = /={20,}\n.*\n\n {2}(http:\/\/127\.0\.0\.1:\d+\/\S*)\n={20,}\n.*Ctrl-C stops it\./.exec(out);
        const banner = m?.[1];
        if (banner !== undefined) {
          clearTimeout(timer);
          resolve(banner);
        }
      };
      child.stdout.on("data", check);
      child.on("exit", (code) => reject(new Error(`npm start exited (${code}) before the URL; stdout:\n${out}\nstderr:\n${err}`)));
    });
    assert.ok(url.startsWith(`http://127.0.0.1:${port}/`), url);
    const lines = out.trimEnd().split("\n");
    assert.ok(lines.length <= 10, `${lines.length} lines:\n${out}`);
    assert.ok(lines[0]?.startsWith("npm start: "), out);
    assert.equal(err, "");
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: "manual" });
    assert.ok(res.status === 200 || res.status === 302, `GET ${url}: ${res.status}`);
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.on("exit", r)));
  }
});
