/**
 * The pipelines the editor runs as `steplens` tasks (`tasks.json` type "steplens", "Run Task", the
 * Synthesize/Export commands). One table entry per pipeline: adding one is adding an entry here (and
 * its name to the `pipeline` enum of package.json's taskDefinitions; a unit test checks both agree).
 * No `vscode` import.
 *
 * A task definition is `{"type": "steplens", "pipeline": <name>, "args": [<CLI arguments>], "cli"?: <command>}`;
 * it runs `steplens <the pipeline's words> <args…>` in the task's workspace folder.
 */
import { type CliInvocation, commandLineText } from "./cliInvocation";

export const TASK_TYPE = "steplens";
/** The problem matcher package.json contributes (`file:line: message` lines). */
export const PROBLEM_MATCHER = "$steplens";

export interface PipelineSpec {
  name: string;
  /** The CLI words before the arguments. */
  command: readonly string[];
  /** What the task does, for its detail line. */
  detail: string;
  /** Runs until stopped (a server): a background task. */
  background?: boolean;
}

export const PIPELINES: readonly PipelineSpec[] = [
  { name: "synthesize", command: ["synthesize"], detail: "SPARK stage I: solutions, K verifications, aggregated step labels (resumable)" },
  { name: "export", command: ["export"], detail: "training data (TRL, Math-Shepherd, chat SFT, ProcessBench, verl) from a synthesis folder or dataset" },
  { name: "eval", command: ["eval"], detail: "ProcessBench evaluation of a scorer" },
  { name: "score", command: ["score"], detail: "PRM step scores of a trace or dataset" },
  { name: "serve", command: ["serve"], detail: "an OpenAI-compatible StepLens server (runs until stopped)", background: true },
  { name: "rl", command: ["rl"], detail: "RL with StepLens rewards (verl / OpenRLHF launch)" },
];

export const PIPELINE_NAMES: readonly string[] = PIPELINES.map((p) => p.name);

export interface StepLensTaskDefinition {
  type: typeof TASK_TYPE;
  pipeline: string;
  args?: string[];
  /** A `steplens` command to run instead of the bundled CLI. */
  cli?: string;
  /** Extra fields VS Code keeps (e.g. a label). */
  [key: string]: unknown;
}

export function findPipeline(name: unknown): PipelineSpec | undefined {
  return PIPELINES.find((p) => p.name === name);
}

/** Why a task definition cannot run, or null when it can. */
export function definitionProblem(def: { pipeline?: unknown; args?: unknown; cli?: unknown }): string | null {
  if (!findPipeline(def.pipeline)) return `unknown pipeline ${JSON.stringify(def.pipeline)}: use one of ${PIPELINE_NAMES.join(", ")}.`;
  if (def.args !== undefined && !(Array.isArray(def.args) && def.args.every((a) => typeof a === "string")))
    return "'args' must be a list of strings (the CLI arguments).";
  if (def.cli !== undefined && typeof def.cli !== "string") return "'cli' must be a string (a steplens command on PATH, or its path).";
  return null;
}

/** The program and arguments a definition runs with `cli`. Throws when the definition is invalid. */
export function taskProcess(
  def: Pick<StepLensTaskDefinition, "pipeline" | "args">,
  cli: CliInvocation,
): { command: string; args: string[]; env: Record<string, string> } {
  const problem = definitionProblem(def);
  if (problem) throw new Error(problem);
  const spec = findPipeline(def.pipeline)!;
  return { command: cli.command, args: [...cli.prefixArgs, ...spec.command, ...(def.args ?? [])], env: { ...cli.env } };
}

/** What the terminal shows first: the `steplens …` line (the bundled runtime left out). */
export function displayCommand(def: Pick<StepLensTaskDefinition, "pipeline" | "args">): string {
  const spec = findPipeline(def.pipeline);
  return commandLineText("steplens", [...(spec?.command ?? [String(def.pipeline)]), ...(def.args ?? [])]);
}

const base = (p: string) =>
  p
    .replace(/[\\/]+$/, "")
    .split(/[\\/]/)
    .pop() || p;

/** A task's name, which is also its terminal's: the job in a few words ("export run → prm.jsonl"). */
/** A task's name. Run Task shows it after the task's source ("StepLens: export gsm8k (trl-prm) → prm.jsonl"), so it never repeats "StepLens". */
export function taskLabel(def: Pick<StepLensTaskDefinition, "pipeline" | "args">): string {
  const args = def.args ?? [];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined; // undefined when the flag is last
  };
  const firstPositional = args.find((a, i) => {
    const prev = args[i - 1]; // undefined for the first argument
    return !a.startsWith("-") && (prev === undefined || !prev.startsWith("--") || prev.includes("=") || BOOLEAN_FLAGS.has(prev));
  });
  switch (def.pipeline) {
    case "export": {
      const input = firstPositional ? base(firstPositional) : "?";
      const out = flag("--out");
      return `export ${input} (${flag("--format") ?? "?"})${out ? ` → ${base(out)}` : ""}`;
    }
    case "synthesize": {
      const problems = flag("--problems");
      const out = flag("--out");
      return `synthesize ${problems ? base(problems) : ""}${out ? ` → ${base(out)}` : ""}`.trim();
    }
    default:
      return `${def.pipeline}${firstPositional ? ` ${base(firstPositional)}` : ""}`;
  }
}

/** Boolean flags of the pipelines: the argument after one is a positional, not its value. */
const BOOLEAN_FLAGS = new Set(["--balance", "--drop-unanimous", "--json", "--resume", "--meta-critique", "--retry-failed", "--constrained"]);
