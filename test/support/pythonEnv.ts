/**
 * The Python test environment built by test/runner/setup-test-env.sh (`npm run setup`, part of
 * `npm test`): a venv in .test-env/py holding the real TRL, verl, OpenRLHF, Ray and Math-Verify
 * (pinned in test/python/requirements*.txt), and the real small GGUF in .test-env/models.
 * A missing environment is an error that names the command to run, never a skipped test.
 */
import fs from "node:fs";
import path from "node:path";
import { repoRoot as projectRoot } from "./repo";

const SETUP_HINT = "run `npm run setup` (bash test/runner/setup-test-env.sh) to build the Python test environment";

/** The venv's interpreter (STEPLENS_TEST_PYTHON overrides it). */
export function testPython(): string {
  const py = process.env.STEPLENS_TEST_PYTHON ?? path.join(projectRoot(), ".test-env", "py", "bin", "python");
  if (!fs.existsSync(py)) throw new Error(`the Python test environment is missing (${py}): ${SETUP_HINT}`);
  return py;
}

/** Gemma 3 270M Q4_K_M, a real (small, weak) model from the Python registry (STEPLENS_REAL_MODEL overrides it). */
export function realModelPath(): string {
  const file = process.env.STEPLENS_REAL_MODEL ?? path.join(projectRoot(), ".test-env", "models", "gemma-3-270m-Q4_K_M.gguf");
  if (!fs.existsSync(file)) throw new Error(`the real test model is missing (${file}): ${SETUP_HINT}`);
  return file;
}
