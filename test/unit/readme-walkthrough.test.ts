/**
 * The README's walkthrough on examples/ runs (issue 18: examples/ held traces only, so the dashboard,
 * synthesis, export, search and `rl init` were not reachable from them). Every line between the
 * walkthrough markers is run through runCli, in a scratch folder holding a copy of examples/, with
 * the generated demo model (RANDOM WEIGHTS: plumbing, not judgement); each must exit 0 and leave
 * what it promises (counted rows and files, against the examples' own contents).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cli } from "../support/cliIo";
import { repoRoot } from "../support/repo";
import { itemAt } from "../support/indexing";

describe("README walkthrough on examples/", { timeout: 300_000 }, () => {
  let dir: string;
  let cwd: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-walkthrough-"));
    fs.cpSync(path.join(repoRoot(), "examples"), path.join(dir, "examples"), { recursive: true });
    cwd = process.cwd();
    process.chdir(dir);
  });
  after(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("every walkthrough line exits 0 and writes what it says", async () => {
    const readme = fs.readFileSync(path.join(repoRoot(), "README.md"), "utf8");
    const block = /<!-- walkthrough:start -->\n```sh\n([\s\S]*?)```\n<!-- walkthrough:end -->/.exec(readme);
    assert.ok(block, "README has the walkthrough block");
    const [, body] = block;
    assert.ok(body !== undefined, "the walkthrough block's commands");
    const lines = body.trim().split("\n");
    assert.ok(lines.length >= 6);
    const commands = new Set<string>();
    const env = { STEPLENS_OFFLINE: "1", STEPLENS_MODEL_CACHE: path.join(dir, "models") };
    for (const line of lines) {
      const words = line.replace(/^node dist\/cli\.js /, "").split(" ");
      const command = itemAt(words, 0, `the command of '${line}'`);
      commands.add(command === "eval" || command === "rl" ? `${command} ${words[1]}` : command);
      const r = await cli(words, { env });
      assert.equal(r.code, 0, `${line}\n${r.err}`);
    }
    assert.deepEqual([...commands].sort(), ["eval processbench", "export", "rl init", "score", "search", "synthesize"]);
    const examples = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, "examples", f), "utf8")) as { id: string }[];
    const problems = fs.readFileSync(path.join(dir, "examples/problems.jsonl"), "utf8").trim().split("\n").length;
    const jsonl = (f: string) =>
      fs
        .readFileSync(path.join(dir, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
    assert.equal(jsonl("runs/synth/solutions.jsonl").length, problems * 2, "2 solutions per problem");
    assert.equal(jsonl("runs/synth/labels.jsonl").length, problems * 2);
    assert.equal(jsonl("runs/prm.jsonl").length, problems * 2);
    assert.deepEqual(
      jsonl("runs/gsm8k-pb.jsonl").map((r) => [r.id, r.label]),
      examples("processbench/gsm8k.json").map((r) => [r.id, (r as unknown as { label: number }).label]),
      "the ProcessBench export keeps the dataset's labels",
    );
    assert.ok(fs.existsSync(path.join(dir, "runs/rl/launch.sh")) && fs.existsSync(path.join(dir, "runs/rl/reward.py")));
    assert.equal(jsonl("runs/rl/prompts.jsonl").length, problems);
  });
});
