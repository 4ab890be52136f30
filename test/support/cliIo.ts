/** An in-memory CliIo for running `steplens` commands in tests (not a test file itself). */
import { Writable } from "node:stream";
import type { CliIo } from "../../src/cli/command";
import { runCli } from "../../src/cli/main";

export type MemoryIo = CliIo & { out: () => string; err: () => string };

/** stdout/stderr collected as text; env, signal and isTTY as given (default: empty env, never aborted, not a terminal). */
export function memoryIo(opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; isTTY?: boolean } = {}): MemoryIo {
  const sink = () => {
    const chunks: string[] = [];
    return { w: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }), text: () => chunks.join("") };
  };
  const o = sink();
  const e = sink();
  return {
    stdout: o.w,
    stderr: e.w,
    env: opts.env ?? {},
    signal: opts.signal ?? new AbortController().signal,
    isTTY: opts.isTTY ?? false,
    out: o.text,
    err: e.text,
  };
}

/** Runs `steplens <argv>` in memory: the exit code and what it printed (env default: STEPLENS_OFFLINE=1, no downloads). */
export async function cli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; isTTY?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({ ...opts, env: opts.env ?? { STEPLENS_OFFLINE: "1" } });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** A command's JSON-lines output, parsed: one value per line (trailing whitespace dropped; any other line that is not JSON fails). */
export function jsonLines(text: string): any[] {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

/** Command-line flags from an object, in its order: { out: "x", samples: 4 } → ["--out", "x", "--samples", "4"]. */
export function flags(values: Record<string, string | number>): string[] {
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, String(value)]);
}
