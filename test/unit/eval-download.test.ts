// `steplens eval processbench` without --data: the four subset files come from the Hub into the
// StepLens cache. Tested against a local HTTP server (HF_ENDPOINT) that serves the shipped fixture
// files with Range support, and can cut a response short or serve garbage.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { ensureProcessBench, processBenchCacheDir } from "../../src/eval/processbenchDownload";
import { cli } from "../support/cliIo";
import { processBenchDir } from "../support/repo";

const SRC = processBenchDir();
let server: http.Server;
let base = "";
const requests: { url: string; range?: string }[] = [];
/** Behaviour switches for the next requests. */
const mode = { cutAfter: 0, garbage: false };

before(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? "", range: req.headers.range });
    const m = /^\/datasets\/Qwen\/ProcessBench\/resolve\/main\/([a-z0-9]+)\.json$/.exec(req.url ?? "");
    if (!m || !fs.existsSync(path.join(SRC, `${m[1]}.json`))) {
      res.writeHead(404).end("not found");
      return;
    }
    const body = mode.garbage ? Buffer.from("<html>rate limited</html>") : fs.readFileSync(path.join(SRC, `${m[1]}.json`));
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length && range) {
      res.writeHead(416).end();
      return;
    }
    const slice = body.subarray(start);
    res.writeHead(range ? 206 : 200, { "content-length": String(slice.length), "content-type": "application/json" });
    if (mode.cutAfter > 0) {
      res.flushHeaders();
      res.write(slice.subarray(0, mode.cutAfter), () => setImmediate(() => res.destroy())); // the connection drops mid-file
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "steplens-pb-dl-"));

test("downloads the missing subsets into the cache with progress, then uses the cache without a request", async () => {
  const cache = tmp();
  const env = { HF_ENDPOINT: base, STEPLENS_CACHE: cache };
  const seen: number[] = [];
  requests.length = 0;
  const dir = await ensureProcessBench({ env, subsets: ["gsm8k", "math"], onProgress: (p) => seen.push(p.done) });
  assert.equal(dir, processBenchCacheDir(env));
  for (const s of ["gsm8k", "math"]) assert.deepEqual(fs.readFileSync(path.join(dir, `${s}.json`)), fs.readFileSync(path.join(SRC, `${s}.json`)));
  assert.equal(requests.length, 2);
  assert.ok(seen.length >= 2 && seen.every((d, i) => i === 0 || d >= seen[i - 1]!), "progress only grows");
  assert.deepEqual(fs.readdirSync(dir).sort(), ["gsm8k.json", "math.json"], "no .part files left");
  requests.length = 0;
  await ensureProcessBench({ env, subsets: ["gsm8k", "math"] });
  assert.equal(requests.length, 0, "cached files are not fetched again");
});

test("an interrupted download resumes with a Range request and ends with the exact file", async () => {
  const cache = tmp();
  const env = { HF_ENDPOINT: base, STEPLENS_CACHE: cache };
  mode.cutAfter = 100_000;
  try {
    await assert.rejects(ensureProcessBench({ env, subsets: ["gsm8k"] }), /interrupted after \d+ bytes.*run again to resume/);
  } finally {
    mode.cutAfter = 0;
  }
  const part = path.join(processBenchCacheDir(env), "gsm8k.json.part");
  assert.ok(fs.statSync(part).size > 0, "the partial file is kept");
  requests.length = 0;
  await ensureProcessBench({ env, subsets: ["gsm8k"] });
  assert.match(requests[0]?.range ?? "", /^bytes=\d+-$/);
  assert.deepEqual(fs.readFileSync(path.join(processBenchCacheDir(env), "gsm8k.json")), fs.readFileSync(path.join(SRC, "gsm8k.json")));
  assert.ok(!fs.existsSync(part));
});

test("no network: a clear offline error naming --data; STEPLENS_OFFLINE refuses without trying", async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const env = { HF_ENDPOINT: `http://127.0.0.1:${port}`, STEPLENS_CACHE: tmp() };
  await assert.rejects(ensureProcessBench({ env, subsets: ["gsm8k"] }), (e: Error & { format?: () => string }) => {
    const text = e.format ? e.format() : e.message;
    assert.match(text, /cannot download ProcessBench \(ECONNREFUSED\)/);
    assert.match(text, /--data <folder>/);
    return true;
  });
  requests.length = 0;
  await assert.rejects(ensureProcessBench({ env: { HF_ENDPOINT: base, STEPLENS_CACHE: tmp(), STEPLENS_OFFLINE: "1" } }), /STEPLENS_OFFLINE=1/);
  assert.equal(requests.length, 0);
});

test("a response that is not ProcessBench is refused and not kept", async () => {
  const env = { HF_ENDPOINT: base, STEPLENS_CACHE: tmp() };
  mode.garbage = true;
  try {
    await assert.rejects(ensureProcessBench({ env, subsets: ["math"] }), /not JSON/);
  } finally {
    mode.garbage = false;
  }
  assert.deepEqual(fs.readdirSync(processBenchCacheDir(env)), []);
});

test("steplens eval processbench without --data downloads, then computes the metric", async () => {
  const env = { HF_ENDPOINT: base, STEPLENS_CACHE: tmp() };
  const preds = path.join(tmp(), "p.jsonl");
  const items = JSON.parse(fs.readFileSync(path.join(SRC, "gsm8k.json"), "utf8")) as { id: string; label: number }[];
  fs.writeFileSync(preds, items.map((r) => JSON.stringify({ id: r.id, prediction: r.label })).join("\n") + "\n");
  const r = await cli(["eval", "processbench", "--subset", "gsm8k", "--predictions", preds, "--json"], { env });
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).subsets.gsm8k.f1, 100);
  assert.match(r.err, /ProcessBench: .*datasets[/\\]processbench/);
});
