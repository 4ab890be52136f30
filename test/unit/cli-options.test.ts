/**
 * Options declared once (src/cli/options.ts): one declaration gives the parseArgs table, the checked
 * and typed values (defaults applied, what was typed in `given`) and the help lines. Expected values
 * are written out by hand here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../src/cli/command";
import { defineOptions, optionsHelp, parseArgsTable, parseOptions } from "../../src/cli/options";

const SPECS = defineOptions({
  n: { type: "int", arg: "<N>", bounds: { min: 1, max: 8 }, default: 4, help: "how many", group: "Run" },
  rate: { type: "number", arg: "<r>", bounds: "verify.topP", help: "a fraction", group: "Run" },
  mode: { type: "enum", choices: ["fast", "slow"], default: "fast", help: "the mode", group: "Run" },
  name: { type: "text", arg: "<s>", help: "a name" },
  tag: { type: "text", arg: "<t>", multiple: true, help: "repeatable" },
  quiet: { type: "boolean", help: "say less" },
  old: { type: "int", hidden: true, help: "an alias" },
});

describe("parseOptions", () => {
  it("applies defaults, converts and checks what was typed, and says what was typed", () => {
    const none = parseOptions([], SPECS);
    assert.deepEqual(none.values, { n: 4, rate: undefined, mode: "fast", name: undefined, tag: [], quiet: false, old: undefined });
    assert.deepEqual([...none.given], []);
    const some = parseOptions(["f.md", "--n", "7", "--rate", ".25", "--mode", "slow", "--tag", "a", "--tag", "b", "--quiet"], SPECS);
    assert.deepEqual(some.values, { n: 7, rate: 0.25, mode: "slow", name: undefined, tag: ["a", "b"], quiet: true, old: undefined });
    assert.deepEqual([...some.given].sort(), ["mode", "n", "quiet", "rate", "tag"]);
    assert.deepEqual(some.positionals, ["f.md"]);
  });

  it("refuses values outside the declaration with a message naming the flag, the rule and the value", () => {
    const cases: [string[], string][] = [
      [["--n", "9"], "--n must be a whole number from 1 to 8 (got '9')."],
      [["--n", "1e0"], "--n must be a whole number from 1 to 8 (got '1e0')."],
      [["--rate", "1.5"], "--rate must be a number from 0 to 1 (got '1.5')."],
      [["--mode", "medium"], "--mode must be one of fast, slow (got 'medium')."],
      [["--name", "  "], "--name must not be empty."],
    ];
    for (const [argv, message] of cases)
      assert.throws(
        () => parseOptions(argv, SPECS),
        (e: unknown) => e instanceof UsageError && e.message === message,
        argv.join(" "),
      );
    assert.throws(
      () => parseOptions(["--qiet"], SPECS),
      (e: unknown) => e instanceof UsageError && /Unknown option '--qiet'/.test(e.message) && e.message.endsWith("Did you mean '--quiet'?"),
    );
  });

  it("the parseArgs table takes a string for every valued option and a switch for booleans", () => {
    assert.deepEqual(parseArgsTable(SPECS), {
      n: { type: "string" },
      rate: { type: "string" },
      mode: { type: "string" },
      name: { type: "string" },
      tag: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      old: { type: "string" },
    });
  });
});

describe("optionsHelp", () => {
  it("prints groups in declaration order, the range and default from the declaration, hidden options left out", () => {
    assert.equal(
      optionsHelp(SPECS),
      [
        "Run:",
        "  --n <N>                  how many (1–8, default 4)",
        "  --rate <r>               a fraction (0–1)",
        "  --mode <fast|slow>       the mode (default fast)",
        "",
        "  --name <s>               a name",
        "  --tag <t>                repeatable",
        "  --quiet                  say less",
      ].join("\n"),
    );
  });

  it("wraps long help under the text column and puts a long flag on its own line", () => {
    const text = optionsHelp({ "a-rather-long-option-name": { type: "text", arg: "<value>", help: "word ".repeat(30).trim() } });
    const lines = text.split("\n");
    assert.equal(lines[0], "  --a-rather-long-option-name <value>");
    for (const l of lines.slice(1)) {
      assert.ok(l.startsWith(" ".repeat(27)) && !l.startsWith(" ".repeat(28)), JSON.stringify(l));
      assert.ok(l.length <= 104, `${l.length} > 104`);
    }
    assert.equal(lines.slice(1).join(" ").replace(/\s+/g, " ").trim(), "word ".repeat(30).trim());
  });
});
