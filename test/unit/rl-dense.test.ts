/**
 * `steplens rl init --dense`: verl gets the dense reward manager (the file is byte for byte
 * src/rl/python/steplens_dense_reward.py) and launch.sh loads it by path through verl's importlib
 * reward-manager source instead of the naive manager; the scalar path stays the default; TRL and
 * OpenRLHF refuse --dense (one scalar per completion) and say which scalarisations to use. The
 * real verl calling the manager is test/python/test_verl_dense.py.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cli } from "../support/cliIo";

describe("steplens rl init --dense", () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sl-dense-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const init = (engine: string, out: string, ...extra: string[]) =>
    cli(["rl", "init", "--engine", engine, "--out", path.join(tmp, out), "--reward-url", "http://127.0.0.1:8080", ...extra]);

  it("verl: the manager file and the importlib reward keys; without --dense the naive manager", async () => {
    const r = await init("verl", "dense", "--dense");
    assert.equal(r.code, 0, r.err);
    const dir = path.join(tmp, "dense");
    const source = fs.readFileSync(path.join(__dirname, "../../../src/rl/python/steplens_dense_reward.py"), "utf8");
    assert.equal(fs.readFileSync(path.join(dir, "steplens_dense_reward.py"), "utf8"), source);
    const launch = fs.readFileSync(path.join(dir, "launch.sh"), "utf8");
    assert.match(launch, /^ {2}reward\.reward_manager\.source=importlib$/m);
    assert.match(launch, /^ {2}reward\.reward_manager\.name=StepLensDenseRewardManager$/m);
    assert.match(launch, /^ {2}"reward\.reward_manager\.module\.path=\$RUN_DIR\/steplens_dense_reward\.py"$/m);
    assert.doesNotMatch(launch, /reward_manager\.name=naive/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "steplens-rl.json"), "utf8")).dense, true);

    const scalar = await init("verl", "scalar");
    assert.equal(scalar.code, 0, scalar.err);
    assert.equal(fs.existsSync(path.join(tmp, "scalar", "steplens_dense_reward.py")), false);
    assert.match(fs.readFileSync(path.join(tmp, "scalar", "launch.sh"), "utf8"), /reward\.reward_manager\.name=naive/);
  });

  it("TRL and OpenRLHF take one scalar per completion: --dense is refused with the scalarisations to use", async () => {
    for (const engine of ["trl", "openrlhf"]) {
      const r = await init(engine, `refused-${engine}`, "--dense");
      assert.notEqual(r.code, 0);
      assert.match(r.err, /one scalar per completion/);
      assert.match(r.err, /--scalarize steps \| pav/);
      assert.equal(fs.existsSync(path.join(tmp, `refused-${engine}`, "launch.sh")), false, "nothing written");
    }
  });
});
