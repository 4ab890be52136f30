/**
 * Integer flags take plain decimal only (issue 18: `--nodes` accepted 1e3, 0x10, 0b11, 1.0, +2).
 * The shared checker (src/cli/options.ts checkValue, which every declared int/number option goes through) and, through runCli,
 * flags of several commands: each refused with exit 2 and the flag named, before anything runs.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { UsageError } from "../../src/cli/command";
import { checkValue, type OptionSpec } from "../../src/cli/options";
import { cli } from "../support/cliIo";

/** The value the test gave for --name (fails the test if it gave none). */
const valueOf = (values: Record<string, string>, name: string): string => {
  const raw = values[name];
  assert.ok(raw !== undefined, `the test gives a value for --${name}`);
  return raw;
};
const intFlag = (values: Record<string, string>, name: string, bounds: OptionSpec["bounds"]) =>
  checkValue(name, { type: "int", help: "", bounds }, valueOf(values, name));
const numberFlag = (values: Record<string, string>, name: string, bounds: OptionSpec["bounds"]) =>
  checkValue(name, { type: "number", help: "", bounds }, valueOf(values, name));

const NOT_PLAIN = ["1e3", "0x10", "0b11", "0o7", "1.0", "+2", " 3", "3 ", "", "1_000", "Infinity", "٣"];

describe("integer flags: plain decimal only", () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sl-intflags-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("int options refuse every other spelling, naming the flag and the value; plain decimal passes", () => {
    for (const raw of NOT_PLAIN)
      assert.throws(
        () => intFlag({ nodes: raw }, "nodes", { min: 1, max: 4096 }),
        (e: unknown) => e instanceof UsageError && e.message.includes("--nodes") && e.message.includes(`'${raw}'`),
        JSON.stringify(raw),
      );
    assert.equal(intFlag({ nodes: "16" }, "nodes", { min: 1, max: 4096 }), 16);
    assert.equal(intFlag({ nodes: "0016" }, "nodes", { min: 1, max: 4096 }), 16, "leading zeros are still decimal");
    assert.equal(intFlag({ n: "-3" }, "n", { min: -5, max: 5 }), -3);
    assert.throws(() => intFlag({ n: "9007199254740993" }, "n", {}), UsageError, "past 2^53 is not exact");
  });

  it("number flags take decimals and exponents, never hex, binary or a leading +", () => {
    assert.equal(numberFlag({ r: "0.25" }, "r", { min: 0, max: 1 }), 0.25);
    assert.equal(numberFlag({ r: ".5" }, "r", { min: 0, max: 1 }), 0.5);
    assert.equal(numberFlag({ r: "5e-1" }, "r", { min: 0, max: 1 }), 0.5);
    for (const raw of ["0x1", "0b1", "+0.5", "Infinity", ""]) assert.throws(() => numberFlag({ r: raw }, "r", {}), UsageError, raw);
  });

  it("through the CLI: export --seed, score --context-size, rl init --nodes refuse 1e3, 0x10, 0b11, 1.0 and +2 (exit 2)", async () => {
    const ds = path.join(tmp, "ds.json");
    fs.writeFileSync(ds, JSON.stringify([{ id: "a", problem: "1+1?", steps: ["1+1=2", "\\boxed{2}"], label: -1 }]));
    const cases: [string[], string][] = [
      [["export", ds, "--format", "processbench", "--out", path.join(tmp, "o.jsonl"), "--seed"], "--seed"],
      [["score", ds, "--model", "demo", "--context-size"], "--context-size"],
      [["rl", "init", "--engine", "trl", "--reward-url", "http://127.0.0.1:9", "--out", path.join(tmp, "rl"), "--nodes"], "--nodes"],
    ];
    for (const [argv, flag] of cases)
      for (const bad of ["1e3", "0x10", "0b11", "1.0", "+2"]) {
        const r = await cli([...argv, bad]);
        assert.equal(r.code, 2, `${argv.join(" ")} ${bad}: exit ${r.code}\n${r.err}`);
        assert.ok(r.err.includes(flag) && r.err.includes(bad), r.err);
      }
    assert.ok(!fs.existsSync(path.join(tmp, "o.jsonl")), "nothing written");
    assert.ok(!fs.existsSync(path.join(tmp, "rl")), "nothing written");
  });
});
