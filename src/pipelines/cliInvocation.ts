/**
 * How the editor runs the `steplens` CLI. No `vscode` import.
 *
 * Default: the CLI bundled in the extension (`dist/cli.js`), run by the extension host's own runtime
 * (`process.execPath`) with ELECTRON_RUN_AS_NODE=1: in desktop VS Code that binary is Electron, which
 * this variable turns into plain Node; in code-server and VS Code Server it is Node already and the
 * variable is ignored. Nothing has to be installed, and the CLI is always the same version as the
 * extension. A task may instead name a `steplens` on PATH (or a path to one) in its `cli` property,
 * e.g. a newer CLI or one installed on a remote machine's cluster image.
 */
export interface CliInvocation {
  /** The program to start. */
  command: string;
  /** Arguments before the CLI's own (the bundled script). */
  prefixArgs: string[];
  /** Environment added to the task's. */
  env: Record<string, string>;
}

export function bundledCli(execPath: string, cliScript: string): CliInvocation {
  return { command: execPath, prefixArgs: [cliScript], env: { ELECTRON_RUN_AS_NODE: "1" } };
}

/** The bundled CLI, or `cli` (a command on PATH or a path) when given. */
export function resolveCli(cli: string | undefined, execPath: string, cliScript: string): CliInvocation {
  const custom = cli?.trim();
  return custom ? { command: custom, prefixArgs: [], env: {} } : bundledCli(execPath, cliScript);
}

/** A POSIX-shell-quoted argument (for showing a command line; tasks pass argv without a shell). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The full command line as one string (display and logs). */
export function commandLineText(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(" ");
}
