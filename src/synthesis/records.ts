/**
 * The records of a synthesis folder (docs/synthesis.md has the reference with examples):
 * solutions.jsonl, verifications.jsonl, labels.jsonl, failures.jsonl and manifest.json.
 * No `vscode` import.
 */
import type { AggregateMode } from "../config";
import type { Generation } from "../engines/engine";
import type { VerificationParse } from "../verify/verification";
import type { Shard } from "./ids";
import type { RuleLabels, SolutionLabels, StepLabel } from "./stepLabels";

export const FILES = {
  manifest: "manifest.json",
  solutions: "solutions.jsonl",
  verifications: "verifications.jsonl",
  labels: "labels.jsonl",
  failures: "failures.jsonl",
} as const;

export const MANIFEST_FORMAT = "steplens-synthesis";
export const MANIFEST_VERSION = 1;

export interface SolutionRecord {
  id: string;
  problemId: string;
  sample: number;
  problem: string;
  text: string;
  steps: string[];
  finalAnswer: string | null;
  finishReason: Generation["finishReason"];
  tokens: number;
  seed: number;
  model: string;
  reference: string | null;
  answerCorrect: boolean | null;
  /** The answer the grader read from the solution (normalized), with a reference; else null. */
  predicted: string | null;
}

/** A verifier parse as stored: the thinking text is left out (it stays in `text`). */
export type StoredParse = Omit<VerificationParse, "thinking">;

export interface VerificationRecord {
  id: string;
  solutionId: string;
  problemId: string;
  sample: number;
  verification: number;
  text: string;
  finishReason: Generation["finishReason"];
  tokens: number;
  seed: number;
  model: string;
  template: string;
  referenceGuided: boolean;
  parse: StoredParse;
}

export interface MetaCritiqueRecord {
  of: string;
  critique: string;
  merged: string;
  ok: boolean;
  reason: string | null;
  labels: StepLabel[];
  firstError: number | null;
  outcome: "yes" | "no" | null;
}

export interface LabelRecord extends Omit<SolutionLabels, "status"> {
  id: string;
  solutionId: string;
  problemId: string;
  sample: number;
  status: SolutionLabels["status"] | "no-steps";
  stepCount: number;
  source: "aggregate" | "meta-critique";
  explanationId: string | null;
  metaCritique: MetaCritiqueRecord | null;
  reference: { answer: string; predicted: string | null; correct: boolean | null } | null;
}

/**
 * Where a call failed. "unverifiable": a solution whose verification prompt (with room for an answer)
 * does not fit the verifier's context, recorded once for the solution, not per verification; it does
 * not fail the run, and --retry-failed (with a larger --context-size) tries it again.
 */
export type FailureStage = "solution" | "verification" | "label" | "unverifiable";

export interface FailureRecord {
  id: string;
  target: string;
  stage: FailureStage;
  problemId: string;
  run: number;
  /** The last error (the engine's message says how often it was tried). */
  error: string;
  at: string;
}

/** The settings that give records their meaning: resuming with other values is refused. */
export interface SynthesisSettings {
  problems: string;
  idField: string | null;
  problemField: string | null;
  referenceField: string | null;
  solutions: number;
  verifications: number;
  aggregate: AggregateMode;
  tau: number;
  metaCritique: boolean;
  seed: number;
  maxTokens: number | null;
  /** Constrained (JSON-schema) verifications: the longest critique per step; null for free text. */
  constrained?: number | null;
  shard: Shard;
  generator: { temperature: number; topP: number; prompt: string };
  verifier: { template: string; format: string; temperature: number; topP: number };
}

export interface Counts {
  problems: number;
  skippedProblems: number;
  solutions: number;
  verifications: number;
  labels: number;
  failed: Record<FailureStage, number>;
}

/** The counts of a folder with no records yet (a new run, a merge before its shards are added). */
export function emptyCounts(): Counts {
  return {
    problems: 0,
    skippedProblems: 0,
    solutions: 0,
    verifications: 0,
    labels: 0,
    failed: { solution: 0, verification: 0, label: 0, unverifiable: 0 },
  };
}

export interface RunEntry {
  run: number;
  started: string;
  ended: string | null;
  /** complete: every label written; incomplete: finished, with failures left (see failures.jsonl); interrupted: stopped (Ctrl-C); failed: an error ended it. */
  status: "running" | "complete" | "incomplete" | "interrupted" | "failed";
  host: string;
  pid: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  steplensVersion: string;
  created: string;
  updated: string;
  status: RunEntry["status"];
  settings: SynthesisSettings;
  models: { generator: string[]; verifier: string[] };
  limit: number | null;
  counts: Counts;
  runs: RunEntry[];
  /** Set by `synthesize merge`: the shard folders joined. */
  mergedFrom?: { dir: string; shard: Shard }[];
}

export type { RuleLabels };
