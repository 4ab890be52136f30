#!/usr/bin/env node
// The Python stage of `npm test`: ruff checks (lint + format) the Python StepLens generates (src/rl/python) and the
// Python tests, then pytest runs test/python with the venv of test/runner/setup-test-env.sh
// (.test-env/py: the real TRL, verl, OpenRLHF, Ray, Math-Verify). Needs the build (dist/cli.js):
// the tests start `steplens serve` from it. Usage: node test/runner/python.mjs [pytest args...]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const py = process.env.STEPLENS_TEST_PYTHON ?? path.join(root, ".test-env/py/bin/python");
if (!fs.existsSync(py)) {
  console.error(`python: ${py} is missing: run \`npm run setup\` (bash test/runner/setup-test-env.sh) first`);
  process.exit(1);
}
if (!fs.existsSync(path.join(root, "dist/cli.js"))) {
  console.error("python: dist/cli.js is missing: run `npm run build` first");
  process.exit(1);
}
// npm test sets FORCE_COLOR=0, which pytest reads as "force colour": its summary line must stay plain for the counts.
const inherited = { ...process.env };
delete inherited.FORCE_COLOR;
const env = {
  ...inherited,
  NO_COLOR: "1",
  PY_COLORS: "0",
  HF_HUB_OFFLINE: "1",
  TRANSFORMERS_OFFLINE: "1",
  HF_DATASETS_OFFLINE: "1",
  PYTHONUNBUFFERED: "1",
  RAY_USAGE_STATS_ENABLED: "0",
};
const run = (args) => spawnSync(py, args, { cwd: root, stdio: "inherit", env }).status ?? 1;

console.log("python: ruff check");
const lint = run(["-m", "ruff", "check", "--no-cache", "."]) || run(["-m", "ruff", "format", "--check", "--no-cache", "."]);
const extra = process.argv.slice(2);
console.log("python: pytest test/python");
const tests = run(["-m", "pytest", "-c", "test/python/pytest.ini", "--rootdir", "test/python", ...(extra.length ? extra : ["test/python"])]);
// pytest exits 5 when it collected no test: that is a failure here, never a pass.
if (tests === 5) console.error("python: pytest collected no test");
process.exit(lint || tests ? 1 : 0);
