/**
 * The `steplens` CLI: the same pipelines the extension runs, headless (terminals, clusters).
 * Commands live one per file in ./commands and are listed once here.
 */
import { errorMessage, StepLensError, CancelledError } from "../core/errors";
import type { CliCommand, CliIo } from "./command";
import { UsageError } from "./command";
import { closestName } from "./didYouMean";
import { segmentCommand } from "./commands/segment";
import { scoreCommand } from "./commands/score";
import { modelsCommand } from "./commands/models";
import { serveCommand } from "./commands/serve";
import { rewardCommand } from "./commands/reward";
import { rlCommand } from "./commands/rl";
import { verifyCommand } from "./commands/verify";
import { evalCommand } from "./commands/eval";
import { progressCommand } from "./commands/progress";
import { gradeCommand } from "./commands/grade";
import { searchCommand } from "./commands/search";
import { exportCommand } from "./commands/export";
import { synthesizeCommand } from "./commands/synthesize";

declare const STEPLENS_VERSION: string | undefined;
/** Defined (true) only in the dist/cli.js bundle, so importing runCli elsewhere (tests) never starts the CLI. */
declare const STEPLENS_CLI_ENTRY: boolean | undefined;

export const COMMANDS: readonly CliCommand[] = [
  segmentCommand,
  scoreCommand,
  verifyCommand,
  evalCommand,
  gradeCommand,
  searchCommand,
  progressCommand,
  synthesizeCommand,
  exportCommand,
  modelsCommand,
  serveCommand,
  rewardCommand,
  rlCommand,
];

export function version(): string {
  return typeof STEPLENS_VERSION === "string" ? STEPLENS_VERSION : "0.0.0-dev";
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "steplens — debug LLM reasoning traces step by step",
    "",
    "Usage: steplens <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  -h, --help     show help (also: steplens <command> --help)",
    "  -V, --version  print the version",
    "",
    "Environment: OPENAI_API_KEY (endpoint key), STEPLENS_MODEL_CACHE (model folder), STEPLENS_LOG=debug",
  ].join("\n");
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    const topic = first === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write((topic ? topic.help : mainHelp()) + "\n");
    return first === undefined ? 2 : 0;
  }
  if (first === "-V" || first === "--version") {
    io.stdout.write(version() + "\n");
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const guess = closestName(
      first,
      COMMANDS.map((c) => c.name),
    );
    io.stderr.write(`steplens: unknown command '${first}'.${guess ? ` Did you mean 'steplens ${guess}'?` : ""} Run 'steplens --help' for the list.\n`);
    return 2;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    io.stdout.write(command.help + "\n");
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`steplens ${command.name}: ${e.message}\nRun 'steplens ${command.name} --help' for usage.\n`);
      return 2;
    }
    if (e instanceof CancelledError) {
      io.stderr.write(`steplens ${command.name}: cancelled\n`);
      return 130;
    }
    if (e instanceof StepLensError) {
      io.stderr.write(`${e.format()}\n`);
      return 1;
    }
    io.stderr.write(`steplens ${command.name}: ${errorMessage(e)}\n`);
    if (io.env.STEPLENS_LOG === "debug" && e instanceof Error && e.stack) io.stderr.write(e.stack + "\n");
    return 1;
  }
}

if (typeof STEPLENS_CLI_ENTRY !== "undefined" && STEPLENS_CLI_ENTRY && require.main === module) {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    controller.abort();
    if (interrupts > 1) process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0); // `steplens segment … | head` is fine
  });
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    isTTY: Boolean(process.stderr.isTTY),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`steplens: ${errorMessage(e)}\n`);
      process.exitCode = 1;
    },
  );
}
