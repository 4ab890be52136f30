// `steplens synthesize --ray-address URL --shards N`: the argument plumbing of the shard jobs (which
// flags each job gets, its folder, the command that redoes it), the per-shard log prefixes, and the
// usage errors through the real CLI. The jobs on a real Ray head: test/python/test_ray.py.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { PassThrough } from "node:stream";
import { cli } from "../support/cliIo";
import { LinePrefixer, passThroughArgs, raySynthesisJobs, shardDir } from "../../src/synthesis/raySynthesis";

const ARGV = [
  "--problems",
  "math.jsonl",
  "--out=synth",
  "--ray-address",
  "127.0.0.1:8265",
  "--shards",
  "3",
  "--endpoint",
  "http://gpu1:8000/v1",
  "--solutions",
  "4",
  "--json",
  "--resume",
];

test("each job keeps the endpoint and sampling flags, not the ones the submitting command owns", () => {
  assert.deepEqual(passThroughArgs(ARGV), ["--endpoint", "http://gpu1:8000/v1", "--solutions", "4", "--resume"]);
  assert.deepEqual(passThroughArgs(["--shards=2", "--ray-address=http://h:8265", "--model", "demo"]), ["--model", "demo"]);
});

test("N jobs: shard i/N into its own absolute folder, the bundle and problems file from the working dir, the key forwarded", () => {
  const jobs = raySynthesisJobs(
    { address: "127.0.0.1:8265", shards: 3, argv: ARGV, problemsFile: "data/math.jsonl", outDir: "synth", cliPath: "/opt/steplens/dist/cli.js", version: "t" },
    "/tmp/work",
    { OPENAI_API_KEY: "k", STEPLENS_SERVE_TOKEN: "t", HOME: "/root" },
  );
  assert.equal(jobs.length, 3);
  const ids = new Set(jobs.map((j) => j.spec.submissionId));
  assert.equal(ids.size, 3);
  for (const [i, j] of jobs.entries()) {
    const dir = path.join(path.resolve("synth") + "-shards", `${i}-of-3`);
    assert.equal(j.dir, dir);
    assert.equal(shardDir("synth", i, 3), dir);
    assert.equal(j.spec.address, "http://127.0.0.1:8265");
    assert.equal(j.spec.workingDir, "/tmp/work");
    assert.match(j.spec.submissionId, new RegExp(`^steplens-synthesize-${i}-of-3-`));
    assert.deepEqual(j.spec.entrypoint, [
      "node",
      "cli.js",
      "synthesize",
      "--problems",
      "problems.jsonl",
      "--out",
      dir,
      "--shard",
      `${i}/3`,
      "--endpoint",
      "http://gpu1:8000/v1",
      "--solutions",
      "4",
      "--resume",
    ]);
    assert.deepEqual(j.spec.envVars, { OPENAI_API_KEY: "k", STEPLENS_SERVE_TOKEN: "t" });
    // The redo command runs here, on the original problems file, into the same folder, resuming once.
    assert.deepEqual(j.redo.slice(0, 8), ["steplens", "synthesize", "--problems", path.resolve("data/math.jsonl"), "--out", dir, "--shard", `${i}/3`]);
    assert.equal(j.redo.filter((w) => w === "--resume").length, 1);
  }
});

test("log lines are prefixed by shard, a torn last line once at the end", async () => {
  const sink = new PassThrough();
  let text = "";
  sink.on("data", (d: Buffer) => (text += d.toString()));
  const p = new LinePrefixer(sink, "[shard 1/2] ");
  p.write("first li");
  p.write("ne\nsecond\nthi");
  await new Promise<void>((r) => p.end("rd", r));
  assert.equal(text, "[shard 1/2] first line\n[shard 1/2] second\n[shard 1/2] third\n");
});

test("usage: --ray-address and --shards together, without --shard", async () => {
  const base = ["synthesize", "--problems", "x.jsonl", "--out", "o", "--endpoint", "http://127.0.0.1:1/v1"];
  let r = await cli([...base, "--shards", "2"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--ray-address and --shards go together/);
  r = await cli([...base, "--ray-address", "http://127.0.0.1:1", "--shards", "2", "--shard", "0/2"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /leave out --shard/);
  r = await cli([...base, "--ray-address", "http://127.0.0.1:1", "--shards", "0"]);
  assert.equal(r.code, 2);
});
