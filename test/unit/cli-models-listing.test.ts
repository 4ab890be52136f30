/**
 * `steplens models` (issue 18): each Qwen2.5-Math-PRM entry gives exactly one vLLM command, with its
 * own size (the 72B entry said "7B" in its hint, and the two hints disagreed with the reasons on the
 * flag); the cache listing shows the generated demo GGUF stored in the cache's demo/ folder (it said
 * "(empty)").
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureDemoModelFile } from "../../src/engines/local/demoModel";
import { cli } from "../support/cliIo";

test("models: one vLLM command per endpoint preset, with its own size; the demo GGUF is listed as cached", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "sl-models-"));
  try {
    const empty = await cli(["models", "--cache-dir", cache]);
    assert.equal(empty.code, 0, empty.err);
    assert.match(empty.out, /Model cache: .* \(empty\)/);

    const blocks = empty.out.split(/\n(?= {2}\S)/);
    for (const [name, size] of [
      ["qwen2.5-math-prm-7b", "7B"],
      ["qwen2.5-math-prm-72b", "72B"],
    ] as const) {
      const block = blocks.find((b) => b.trimStart().startsWith(name));
      assert.ok(block, `${name} is listed`);
      const commands = block.match(/vllm serve [^`]+/g) ?? [];
      assert.deepEqual(commands, [`vllm serve Qwen/Qwen2.5-Math-PRM-${size} --runner pooling`], block);
      const otherSize = size === "7B" ? /PRM-72B/ : /PRM-7B\b/;
      assert.doesNotMatch(block, otherSize, `${name} names only its own size`);
    }

    const demo = ensureDemoModelFile(path.join(cache, "demo"));
    const listed = await cli(["models", "--cache-dir", cache]);
    assert.doesNotMatch(listed.out, /\(empty\)/);
    assert.ok(listed.out.includes(demo), listed.out);
    const json = JSON.parse((await cli(["models", "--cache-dir", cache, "--json"])).out);
    assert.deepEqual(
      json.cached.map((c: { file: string }) => c.file),
      [demo],
    );
    assert.equal(json.cached[0].bytes, fs.statSync(demo).size);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
