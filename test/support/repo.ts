/** Where the repository and its test fixtures are, for tests bundled into out/ (not a test file itself). */
import fs from "node:fs";
import path from "node:path";

/** The repository root: the nearest folder holding package.json above this (bundled) file, else above the cwd. */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, "package.json"))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`package.json not found above ${__dirname} or ${process.cwd()}`);
}

/**
 * The real ProcessBench data (Qwen/ProcessBench, Apache-2.0): test/fixtures/processbench/ ships the
 * four subset files; STEPLENS_PROCESSBENCH_DIR points the tests at another copy. Tests that need it
 * fail loudly when it is missing, never fall back to anything else.
 */
export function processBenchDir(): string {
  const dir = process.env.STEPLENS_PROCESSBENCH_DIR || path.join(repoRoot(), "test/fixtures/processbench");
  for (const subset of ["gsm8k", "math", "olympiadbench", "omnimath"]) {
    const file = path.join(dir, `${subset}.json`);
    if (!fs.existsSync(file))
      throw new Error(`${file} is missing: the real-data tests need ProcessBench (ships in test/fixtures/processbench/; or set STEPLENS_PROCESSBENCH_DIR)`);
  }
  return dir;
}
