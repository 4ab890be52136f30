/**
 * Entry of the integration suite (extensionTestsPath): VS Code calls `run()` inside the real
 * extension host. Loads every `*.test.js` next to this file (the build puts the compiled suite in
 * out/test/vscode/) into mocha with the `tdd` interface (`suite`/`test`).
 *
 * Mocha's console output does not reach the code-server log, so the results also go, as JSON, to
 * the file named by STEPLENS_TEST_RESULTS (the runner reads it). The same entry serves both runners:
 * code-server in headless chromium and @vscode/test-electron. STEPLENS_TEST_GREP (a regular
 * expression) limits the run to matching tests.
 */
import fs from "node:fs";
import path from "node:path";
import type MochaType from "mocha";
import * as vscode from "vscode";

export interface TestResult {
  title: string;
  state: "passed" | "failed";
  durationMs: number;
  error?: string;
}

export interface SuiteResults {
  passed: number;
  failed: number;
  total: number;
  tests: TestResult[];
  /** Files mocha loaded: zero files or zero tests count as a failed run. */
  files: string[];
  host: { node: string; vscode: string; execPath: string; electron: string | null };
  startedAt: string;
  durationMs: number;
}

export async function run(): Promise<void> {
  // mocha 12 is an ES module: import it (require(esm) needs a newer Node than some hosts have).
  const { default: Mocha } = (await import("mocha")) as unknown as { default: typeof MochaType };
  const started = Date.now();
  const mocha = new Mocha({ ui: "tdd", color: false, timeout: 60_000, failZero: true, reporter: "spec" });
  // STEPLENS_TEST_GREP runs only the tests whose full title matches (targeted runs, bench/editor.mjs).
  if (process.env.STEPLENS_TEST_GREP) mocha.grep(new RegExp(process.env.STEPLENS_TEST_GREP));
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".test.js"))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const tests: TestResult[] = [];
  const outFile = process.env.STEPLENS_TEST_RESULTS;
  const write = (extra: Partial<SuiteResults> = {}) => {
    const passed = tests.filter((t) => t.state === "passed").length;
    const results: SuiteResults = {
      passed,
      failed: tests.length - passed,
      total: tests.length,
      tests,
      files,
      host: { node: process.version, vscode: vscode.version, execPath: process.execPath, electron: process.versions.electron ?? null },
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      ...extra,
    };
    if (outFile) fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
    return results;
  };

  await new Promise<void>((resolve, reject) => {
    let runner: MochaType.Runner;
    try {
      runner = mocha.run((failures) => {
        const results = write();
        if (failures || results.failed || results.total === 0) reject(new Error(`${failures || results.failed} of ${results.total} tests failed`));
        else resolve();
      });
    } catch (e) {
      // A test file that throws while loading lands here: record it as a failure.
      tests.push({ title: "loading the test files", state: "failed", durationMs: 0, error: String((e as Error)?.stack ?? e) });
      write();
      reject(e);
      return;
    }
    runner.on("pass", (t) => tests.push({ title: t.fullTitle(), state: "passed", durationMs: t.duration ?? 0 }));
    runner.on("fail", (t, err: Error) =>
      tests.push({ title: t.fullTitle(), state: "failed", durationMs: t.duration ?? 0, error: String(err?.stack ?? err?.message ?? err) }),
    );
  });
}
