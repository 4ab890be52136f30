/**
 * `steplens search` end to end on a generated tiny model with RANDOM weights (plumbing, not
 * judgement: the answers and scores mean nothing): best-of-N with the PRM and self-consistency,
 * beam search with the PRM, the JSON shape, the resumable --out file, and the usage errors.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, jsonLines } from "../support/cliIo";
import { testModel } from "../support/testModels";

const KEYS = [
  "id",
  "mode",
  "scorer",
  "solution",
  "steps",
  "answer",
  "score",
  "reference",
  "correct",
  "candidates",
  "generations",
  "tokens",
  "seconds",
  "settings",
  "demo",
];

describe("steplens search (random-weight tiny model: plumbing, not judgement)", () => {
  let tmp: string;
  let model: string;
  let problems: string;
  const env = { STEPLENS_OFFLINE: "1" };
  const common = () => ["--problems", problems, "--model", model, "--gpu", "off", "--threads", "2", "--context-size", "1024"];
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-cli-search-"));
    model = await testModel({ tokenizer: "bpe", chatTemplate: true });
    problems = path.join(tmp, "problems.jsonl");
    fs.writeFileSync(
      problems,
      [
        JSON.stringify({ id: "a", problem: "What is 2 + 3?", answer: "5" }),
        JSON.stringify({ id: "b", problem: "What is 10 / 4?", answer: "$\\frac{5}{2}$" }),
      ].join("\n") + "\n",
    );
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("best-of-N with the PRM: one JSON object per problem, tokens counted, summary on stderr, resumable --out", async () => {
    const out = path.join(tmp, "bon.jsonl");
    const args = ["search", ...common(), "--n", "2", "--max-tokens", "12", "--json", "--out", out];
    const r = await cli(args, { env });
    assert.equal(r.code, 0, r.err);
    const lines = jsonLines(r.out);
    assert.deepEqual(
      lines.map((l) => l.id),
      ["a", "b"],
    );
    for (const l of lines) {
      assert.deepEqual(Object.keys(l), KEYS);
      assert.equal(l.mode, "best-of-n");
      assert.equal(l.scorer, "prm");
      assert.equal(l.candidates, 2);
      assert.equal(l.demo, "demo: scores are meaningless");
      assert.ok(l.tokens.generator.evaluated > 0 && l.tokens.generator.generated > 0, JSON.stringify(l.tokens));
      assert.ok(l.tokens.scorer.evaluated > 0 || l.steps.length === 0);
      assert.equal(l.tokens.total, l.tokens.evaluated + l.tokens.generated);
      assert.equal(typeof l.correct, "boolean");
    }
    assert.equal(lines[1].reference, "\\frac{5}{2}");
    assert.match(r.err, /best-of-2, prm: 2\/2 problems · accuracy \d+\.\d% \(\d\/2\) · \d+ tokens\/problem/);
    assert.equal(fs.readFileSync(out, "utf8").trimEnd().split("\n").length, 2);
    // The same run again: nothing is searched again.
    const again = await cli(args, { env });
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out, "");
    assert.match(again.err, /2\/2 problems \(2 resumed\)/);
    // Other settings into the same file are refused.
    const other = await cli(["search", ...common(), "--n", "3", "--max-tokens", "12", "--json", "--out", out], { env });
    assert.equal(other.code, 1);
    assert.match(other.err, /other settings/);
  });

  it("beam search with the PRM and best-of-N self-consistency, readable output", async () => {
    const beam = await cli(["search", ...common(), "--beam", "2", "--expand", "2", "--max-steps", "2", "--step-tokens", "6", "--limit", "1"], { env });
    assert.equal(beam.code, 0, beam.err);
    assert.match(
      beam.out,
      /^a: answer .* · (correct|wrong) · score .* \(demo: scores are meaningless\) · \d+ candidates · \d+ tokens \(\d+ evaluated \+ \d+ generated\)/,
    );
    assert.match(beam.out, /beam search \(B=2, E=2, S=2\), prm: 1\/1 problems/);
    const sc = await cli(["search", ...common(), "--scorer", "majority", "--n", "3", "--max-tokens", "8", "--json", "--limit", "1"], { env });
    assert.equal(sc.code, 0, sc.err);
    const rec = JSON.parse(sc.out);
    assert.equal(rec.scorer, "majority");
    assert.equal(rec.tokens.scorer.evaluated + rec.tokens.scorer.generated, 0, "self-consistency runs no scorer model");
  });

  it(
    "pav with two models: the generator is the base policy π, --prover another model μ; the scorer counts both policies' tokens",
    { timeout: 300_000 },
    async () => {
      const prover = await testModel({ tokenizer: "bpe", chatTemplate: true, seed: 5 });
      const args = [
        "--scorer",
        "pav",
        "--rollouts",
        "2",
        "--rollout-tokens",
        "4",
        "--beam",
        "1",
        "--expand",
        "1",
        "--max-steps",
        "1",
        "--step-tokens",
        "6",
        "--json",
        "--limit",
        "1",
      ];
      const one = await cli(["search", ...common(), ...args, "--prover", model], { env });
      assert.equal(one.code, 0, one.err);
      const two = await cli(["search", ...common(), ...args, "--prover", prover], { env });
      assert.equal(two.code, 0, two.err);
      const [a, b] = [JSON.parse(one.out), JSON.parse(two.out)];
      assert.equal(b.scorer, "pav");
      assert.equal(b.settings.models.scorer, prover);
      // The generator (π) is the same model with the same seeds: the same candidates in both runs …
      assert.deepEqual(b.candidates, a.candidates);
      assert.equal(b.tokens.generator.generated, a.tokens.generator.generated);
      // … and with π ≠ μ the base policy's rollouts come on top of the prover's.
      assert.ok(b.tokens.scorer.evaluated > a.tokens.scorer.evaluated, `${b.tokens.scorer.evaluated} vs ${a.tokens.scorer.evaluated}`);
      assert.ok(typeof b.score === "number" && b.score >= -0.5 && b.score <= 1.5, `r = Q^π + α·A^μ lies in [−α, 1 + α]: ${b.score}`);
    },
  );

  it("usage errors exit 2", async () => {
    for (const args of [
      ["search", "--model", "x"],
      ["search", "--problems", "p.jsonl", "--model", "x", "--beam", "2", "--n", "4"],
      ["search", "--problems", "p.jsonl", "--model", "x", "--beam", "2", "--scorer", "majority"],
      ["search", "--problems", "p.jsonl", "--model", "x", "--expand", "2"],
      ["search", "--problems", "p.jsonl", "--model", "x", "--scorer", "orm"],
      ["search", "--problems", "p.jsonl", "--model", "x", "--n", "0"],
      ["search", "--problems", "p.jsonl"],
    ]) {
      const r = await cli(args, { env });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    }
  });
});
