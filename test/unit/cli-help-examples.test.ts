/**
 * Every example in every `steplens <command> --help` is checked against the repository (issue 18:
 * `verify --help` and `progress --help` used examples/quadratic.trace.md, which does not exist):
 * the command and subcommand exist, every flag is one that command documents, every repository
 * path (examples/, test/, docs/) exists, every `--model`/`--prm-model` that is neither a path, an
 * hf: URI nor `demo` is a preset. The examples that need only repository files and no model are run.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/main";
import { presetNames } from "../../src/engines/presets";
import { cli } from "../support/cliIo";
import { repoRoot } from "../support/repo";
import { itemAt, only } from "../support/indexing";

interface Example {
  command: string;
  line: string;
  args: string[];
}

/** The `steplens …` lines of a help's Examples section, continuation lines joined, shell words split. */
function examplesOf(help: string): Example[] {
  const at = help.indexOf("\nExamples:\n");
  if (at < 0) return [];
  const joined = help.slice(at + "\nExamples:\n".length).replace(/\\\n\s*/g, " ");
  const out: Example[] = [];
  for (const raw of joined.split("\n")) {
    const m = /(?:^|\s)steplens\s+(.*)$/.exec(raw);
    if (!m) continue;
    const words = (
      itemAt(m, 1, "the example's command line")
        .replace(/\s[&|>].*$/, "")
        .match(/'[^']*'|"[^"]*"|\S+/g) ?? []
    ).map((w) => w.replace(/^['"]|['"]$/g, ""));
    const [command, ...args] = words;
    assert.ok(command !== undefined, `the example names a command: ${raw}`);
    out.push({ command, line: raw.trim(), args });
  }
  return out;
}

const REPO_PATH = /^(examples|test|docs|src)\//;

describe("help examples against the repository", () => {
  const root = repoRoot();
  const all = COMMANDS.flatMap((c) => examplesOf(c.help).map((e) => ({ ...e, owner: c })));

  it("every command's help has examples, and they were all found", () => {
    for (const c of COMMANDS) assert.ok(examplesOf(c.help).length > 0, `steplens ${c.name} --help has no example`);
    assert.ok(all.length >= 30, `${all.length} examples`);
  });

  it("commands, flags, repository paths and model presets exist", () => {
    const presets = new Set(presetNames());
    const problems: string[] = [];
    for (const e of all) {
      const command = COMMANDS.find((c) => c.name === e.command);
      if (!command) {
        problems.push(`${e.line}: no command '${e.command}'`);
        continue;
      }
      e.args.forEach((a, i) => {
        if (a.startsWith("--") && !new RegExp(`${a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(command.help))
          problems.push(`${e.line}: ${a} is not in 'steplens ${command.name} --help'`);
        if (REPO_PATH.test(a) && !fs.existsSync(path.join(root, a))) problems.push(`${e.line}: ${a} does not exist in the repository`);
        if ((e.args[i - 1] === "--model" || e.args[i - 1] === "--prm-model") && !/[/\\]|\.gguf$|^hf:|^demo$/.test(a) && !presets.has(a))
          problems.push(`${e.line}: '${a}' is neither a path, an hf: URI, demo nor a preset (${[...presets].join(", ")})`);
      });
    }
    assert.deepEqual(problems, []);
  });

  it("the examples that need only repository files and no model run (exit 0)", async () => {
    const runnable = all.filter(
      (e) =>
        e.args.some((a) => REPO_PATH.test(a)) &&
        !e.args.some((a) => ["--model", "--endpoint", "--out", "--predictions", "--prm-model", "--data"].includes(a)) &&
        e.args.every((a) => a.startsWith("-") || REPO_PATH.test(a) || /^[a-z]+$/.test(a) || /^\d+$/.test(a)),
    );
    assert.ok(runnable.length >= 2, runnable.map((e) => e.line).join("\n"));
    const cwd = process.cwd();
    process.chdir(root);
    try {
      for (const e of runnable) {
        const r = await cli([e.command, ...e.args]);
        assert.equal(r.code, 0, `${e.line}\n${r.err}`);
        assert.ok(r.out.length > 0, e.line);
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it("an example naming a missing repository file would be caught (the check is not vacuous)", () => {
    const fake = examplesOf("x\nExamples:\n  steplens verify examples/quadratic.trace.md --samples 4\n");
    const example = only(fake, "the one example");
    assert.ok(!fs.existsSync(path.join(root, itemAt(example.args, 0, "the example's file argument"))));
  });
});
