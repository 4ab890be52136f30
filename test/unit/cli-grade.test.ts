/** `steplens grade`: the JSON contract, the summary on stderr, bad lines and exit codes. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { runCli } from "../../src/cli/main";
import { memoryIo, jsonLines } from "../support/cliIo";
import { suiteTempDir } from "../support/tempDir";

describe("steplens grade", () => {
  const tmp = suiteTempDir("steplens-cli-grade-");
  before(() => {});

  const write = (name: string, lines: string[], trailingNewline = true) => {
    const f = path.join(tmp.path, name);
    fs.writeFileSync(f, lines.join("\n") + (trailingNewline ? "\n" : ""));
    return f;
  };

  it("--json: one line per graded input line, normalised values, summary on stderr, exit 0", async () => {
    const file = write("ok.jsonl", [
      JSON.stringify({ gold: "$\\frac12$", pred: "Step 1: halve it.\nSo the answer is \\boxed{0.5}." }),
      JSON.stringify({ gold: "\\boxed{7}", pred: "The answer is 8." }),
      "",
      JSON.stringify({ gold: 1000, pred: "Answer: 1,000" }),
      JSON.stringify({ gold: "[1,2)", pred: "[1,2]" }),
    ]);
    const io = memoryIo();
    const code = await runCli(["grade", file, "--json"], io);
    assert.equal(code, 0, io.err());
    const lines = jsonLines(io.out());
    assert.deepEqual(lines, [
      { line: 1, equal: true, gold: "\\frac{1}{2}", extracted: "0.5" },
      { line: 2, equal: false, gold: "7", extracted: "8" },
      { line: 4, equal: true, gold: "1000", extracted: "1000" },
      { line: 5, equal: false, gold: "[1,2)", extracted: "[1,2]" },
    ]);
    for (const l of lines) assert.deepEqual(Object.keys(l), ["line", "equal", "gold", "extracted"]);
    assert.match(io.err(), /graded 4 lines: 2 equal, 2 different \(accuracy 50\.0%\)/);
  });

  it("reports bad lines as file:line, skips them, still grades the others, exit 1", async () => {
    const file = write(
      "bad.jsonl",
      [
        JSON.stringify({ gold: "3", pred: "3" }),
        "{ not json",
        JSON.stringify({ gold: "3" }),
        "[1, 2]",
        JSON.stringify({ gold: null, pred: "x" }),
        JSON.stringify({ gold: "2", pred: "\\boxed{2}" }),
        '{"gold": "1", "pr',
      ],
      false,
    );
    const io = memoryIo();
    const code = await runCli(["grade", file, "--json"], io);
    assert.equal(code, 1);
    assert.deepEqual(
      io
        .out()
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).line),
      [1, 6],
    );
    for (const n of [2, 3, 4, 5, 7]) assert.ok(io.err().includes(`${file}:${n}: `), `line ${n} reported:\n${io.err()}`);
    assert.match(io.err(), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: no "pred"`));
    assert.match(io.err(), /graded 2 lines: 2 equal.*5 skipped/);
  });

  it("reads other fields, dotted paths too, and prints a readable line without --json", async () => {
    const file = write("fields.jsonl", [JSON.stringify({ reward_model: { ground_truth: "x = 3" }, response: "thus $x=3$.\nAnswer: 3" })]);
    const io = memoryIo();
    const code = await runCli(["grade", file, "--gold-field", "reward_model.ground_truth", "--pred-field", "response"], io);
    assert.equal(code, 0, io.err());
    assert.match(io.out(), /^\s+1\s+equal\s+gold 3\s+·\s+extracted 3\n$/);
  });

  it("usage errors exit 2; a missing file exits 1", async () => {
    let io = memoryIo();
    assert.equal(await runCli(["grade"], io), 2);
    io = memoryIo();
    assert.equal(await runCli(["grade", "a", "b"], io), 2);
    io = memoryIo();
    assert.equal(await runCli(["grade", "x.jsonl", "--gold-field", ""], io), 2);
    io = memoryIo();
    assert.equal(await runCli(["grade", path.join(tmp.path, "missing.jsonl")], io), 1);
    assert.match(io.err(), /cannot read/);
  });
});
