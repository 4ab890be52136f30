/**
 * A mistyped command or flag gets "did you mean" (issue 18: `steplens scroe` said only "unknown
 * command"). Through runCli; the suggestions are the names a person would have meant.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closestName, editDistance } from "../../src/cli/didYouMean";
import { cli } from "../support/cliIo";

describe("did you mean", () => {
  it("edit distance: hand-computed values (swap of neighbours counts 1)", () => {
    assert.equal(editDistance("scroe", "score"), 1);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("serve", "serve"), 0);
  });

  it("mistyped commands get the closest command; unrelated words get none", async () => {
    for (const [typed, meant] of [
      ["scroe", "score"],
      ["segmnet", "segment"],
      ["exprot", "export"],
      ["synthesise", "synthesize"],
      ["modles", "models"],
      ["Serve", "serve"],
    ] as const) {
      const r = await cli([typed]);
      assert.equal(r.code, 2);
      assert.match(r.err, new RegExp(`unknown command '${typed}'\\. Did you mean 'steplens ${meant}'\\?`), r.err);
    }
    const none = await cli(["xyzzy"]);
    assert.equal(none.code, 2);
    assert.doesNotMatch(none.err, /Did you mean/);
    assert.equal(closestName("x".repeat(10_000), ["score"]), undefined);
  });

  it("mistyped flags get the closest flag of that command", async () => {
    const r = await cli(["export", "in.jsonl", "--lables", "l.jsonl"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /Unknown option '--lables'\. Did you mean '--labels'\?/);
    const s = await cli(["score", "t.md", "--treshold", "0.5"]);
    assert.match(s.err, /Did you mean '--threshold'\?/);
    const none = await cli(["score", "t.md", "--completely-different"]);
    assert.equal(none.code, 2);
    assert.doesNotMatch(none.err, /Did you mean/);
  });
});
