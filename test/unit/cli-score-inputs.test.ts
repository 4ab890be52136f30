/**
 * Hostile inputs to `steplens score` (issue: inputs that must be refused, not guessed at): binary
 * files, traces without steps, invalid UTF-8 (warning, or refused under --strict), and a step far
 * longer than any context (refused by its length before it is tokenized: fast and in bounded memory).
 * The model is the generated tiny one (RANDOM WEIGHTS: plumbing, not judgement).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { testModel } from "../support/testModels";
import { cli } from "../support/cliIo";
import { suiteTempDir } from "../support/tempDir";

describe("steplens score refuses what is not a trace", () => {
  const tmp = suiteTempDir("steplens-inputs-");
  let tiny: string;
  before(async () => {
    tiny = await testModel({ tokenizer: "spm" });
  });

  it("a binary file named .trace.md, or with no extension, is refused with a clear error (exit 1)", async () => {
    const png = path.join(tmp.path, "image.trace.md");
    fs.writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(200, 7)]));
    const r = await cli(["score", png, "--model", tiny]);
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.match(r.err, new RegExp(`${path.basename(png)}: this is not a text file: it contains a NUL byte`));
    const noExt = path.join(tmp.path, "blob");
    fs.writeFileSync(
      noExt,
      Buffer.from(
        Array.from({ length: 4096 }, (_, i) => (i * 37 + 128) % 256)
          .map((b) => (b === 0 ? 1 : b))
          .concat([]),
      ),
    );
    const r2 = await cli(["score", noExt, "--model", tiny]);
    assert.equal(r2.code, 1);
    assert.match(r2.err, /blob: this is not a text file: \d+% of its first 4096 bytes are neither text nor UTF-8/);
  });

  it("a trace with no steps says so and exits non-zero (not 'no error')", async () => {
    const empty = path.join(tmp.path, "empty.trace.md");
    fs.writeFileSync(empty, "\n\n   \n");
    const r = await cli(["score", empty, "--model", tiny, "--json"]);
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.match(r.err, /empty\.trace\.md: no steps: the trace has no step to score/);
    const ds = path.join(tmp.path, "no-steps.jsonl");
    fs.writeFileSync(ds, JSON.stringify({ id: "z", problem: "p", steps: [], label: -1, final_answer_correct: true }) + "\n");
    const d = await cli(["score", ds, "--model", tiny, "--json"]);
    assert.equal(d.code, 1);
    assert.match(d.err, /no-steps\.jsonl:1: no steps: record z has no step to score/);
  });

  it("invalid UTF-8: a file:line warning and the trace is scored; --strict refuses it", async () => {
    const bad = path.join(tmp.path, "latin1.trace.md");
    fs.writeFileSync(bad, Buffer.concat([Buffer.from("Problem: 2x = 4.\n\nStep 1: x = 2.\n\nStep 2: caf"), Buffer.from([0xe9]), Buffer.from(" so x = 2.\n")]));
    const r = await cli(["score", bad, "--model", tiny, "--json"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).steps.length, 2);
    assert.match(r.err, /latin1\.trace\.md:5: warning: invalid UTF-8 \(byte 0xe9 at offset \d+/);
    const strict = await cli(["score", bad, "--model", tiny, "--json", "--strict"]);
    assert.equal(strict.code, 1);
    assert.equal(strict.out, "");
    assert.match(strict.err, /latin1\.trace\.md:5: invalid UTF-8 \(byte 0xe9/);
  });

  it("a 20 MB step is refused by its length before tokenizing, naming the file, the step's line and the limit", { timeout: 60_000 }, async () => {
    const huge = path.join(tmp.path, "huge.trace.md");
    fs.writeFileSync(huge, `Problem: p\n\nStep 1: short.\n\nStep 2: ${"abc ".repeat(5_000_000)}\n`);
    const before = process.memoryUsage().rss;
    const r = await cli(["score", huge, "--model", tiny, "--context-size", "4096"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /huge\.trace\.md:5: step 2 is \d{8} characters; a 4096-token context holds at most 262144/);
    // Not timed (the test's own 60 s limit catches a hang): the bytes tell whether it was tokenized.
    // Tokenizing it took 1.6 GB; reading and segmenting 20 MB of text needs a small multiple of that size.
    assert.ok(process.memoryUsage().rss - before < 600 * 1024 * 1024, `RSS grew by ${((process.memoryUsage().rss - before) / 2 ** 20).toFixed(0)} MiB`);
  });
});
