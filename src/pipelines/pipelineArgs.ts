/**
 * The CLI arguments the editor's "Synthesize Training Data…" and "Export Training Data…" commands
 * build from what the user picked (and the settings), and the files an export will write. Pure
 * functions, so the command lines are unit-tested without VS Code. No `vscode` import.
 */
import path from "node:path";

export interface ExportChoices {
  /** A synthesis folder, a dataset or scored JSONL. */
  input: string;
  format: string;
  out: string;
  /** The workspace's `.steplens/labels.jsonl`, when it should override the input's labels. */
  labels?: string;
  /** The dataset a scored JSONL input was computed on. */
  dataset?: string;
  balance?: boolean;
  dropUnanimous?: boolean;
  splitRatio?: number;
}

export function exportArgs(c: ExportChoices): string[] {
  const args = [c.input, "--format", c.format, "--out", c.out];
  if (c.dataset) args.push("--dataset", c.dataset);
  if (c.labels) args.push("--labels", c.labels);
  if (c.balance) args.push("--balance");
  if (c.dropUnanimous) args.push("--drop-unanimous");
  if (c.splitRatio !== undefined) args.push("--split-ratio", String(c.splitRatio));
  return args;
}

/** The files `steplens export` writes for these arguments (train/test with --split-ratio). */
export function exportOutputs(args: readonly string[], cwd: string): string[] {
  const i = args.indexOf("--out");
  const value = i >= 0 ? args[i + 1] : undefined; // undefined when --out is missing or last
  if (value === undefined) return [];
  const out = path.resolve(cwd, value);
  if (!args.includes("--split-ratio")) return [out];
  const ext = path.extname(out);
  const stem = ext ? out.slice(0, -ext.length) : out;
  return [`${stem}.train${ext}`, `${stem}.test${ext}`];
}

/** The usual extension of a format's file. */
export function exportExtension(format: string): string {
  return format === "verl-parquet" ? ".parquet" : ".jsonl";
}

/** The export formats the editor offers (the CLI's table; a unit test checks they agree). */
export const EDITOR_EXPORT_FORMATS: readonly { name: string; detail: string }[] = [
  { name: "trl-prm", detail: "TRL PRMTrainer: {prompt, completions, labels}" },
  { name: "math-shepherd", detail: "Math-Shepherd: {input, label, task} with ки and +/-" },
  { name: "prm-sft", detail: "chat SFT for a generative PRM: step verdict lines" },
  { name: "prm-cot-sft", detail: "chat SFT for a generative PRM: the full verification (synthesis folders)" },
  { name: "orm-sft", detail: "chat SFT for an outcome RM: Yes/No" },
  { name: "processbench", detail: "ProcessBench: {id, problem, steps, label}" },
  { name: "verl-parquet", detail: "verl RL prompts (parquet)" },
  { name: "verl-jsonl", detail: "verl RL prompts (JSONL)" },
];

export interface SynthesizeChoices {
  problems: string;
  out: string;
  solutions: number;
  verifications: number;
  aggregate: string;
  tau: number;
  metaCritique: boolean;
  /** Local models (paths, hf: URIs, presets) per role, or endpoints. */
  generator: { model?: string; endpoint?: string; apiModel?: string };
  verifier: { model?: string; endpoint?: string; apiModel?: string };
  /** Local engine settings the run needs again when it is redone (--retry-failed, a rerun from "recently used"). */
  local?: { contextSize: number; maxThreads: number; gpu: string };
  /** Constrained verdicts (steplens.verify.constrained). */
  constrained?: boolean;
  resume?: boolean;
}

export function synthesizeArgs(c: SynthesizeChoices): string[] {
  const args = [
    "--problems",
    c.problems,
    "--out",
    c.out,
    "--solutions",
    String(c.solutions),
    "--verifications",
    String(c.verifications),
    "--aggregate",
    c.aggregate,
    "--tau",
    String(c.tau),
  ];
  if (c.metaCritique) args.push("--meta-critique");
  for (const [role, m] of [
    ["generator", c.generator],
    ["verifier", c.verifier],
  ] as const) {
    if (m.endpoint) {
      args.push(`--${role}-endpoint`, m.endpoint);
      if (m.apiModel) args.push(`--${role}-api-model`, m.apiModel);
    } else if (m.model) args.push(`--${role}-model`, m.model);
  }
  if (c.local && (c.generator.model || c.verifier.model)) {
    args.push("--context-size", String(c.local.contextSize), "--gpu", c.local.gpu);
    if (c.local.maxThreads > 0) args.push("--threads", String(c.local.maxThreads));
  }
  if (c.constrained) args.push("--constrained");
  // Always --resume: a fresh folder starts a run, and the same task run again (the terminal's
  // "recently used" tasks) continues its folder instead of being refused.
  if (c.resume !== false) args.push("--resume");
  return args;
}
