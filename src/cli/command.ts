/** A CLI subcommand: its name, one-line summary, full help, and what it does. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Environment (OPENAI_API_KEY, STEPLENS_*); injectable for tests. */
  env: NodeJS.ProcessEnv;
  /** Cancelled on SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** Whether stderr is a terminal (progress bars only then). */
  isTTY: boolean;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** Full `steplens <name> --help` text (usage, options, examples). */
  help: string;
  /** Returns the exit code: 0 ok, 1 some input failed, 2 usage error. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A usage error (bad flag or argument): printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
