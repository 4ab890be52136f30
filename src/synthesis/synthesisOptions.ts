/**
 * What a synthesis run is asked for (`SynthesisOptions`), what it reports while it runs
 * (`SynthesisProgress`) and when it ends (`SynthesisSummary`), and the settings a run is resumed
 * under (`settingsOf`). The stages of src/synthesis/stages/ and src/synthesis/synthesize.ts share
 * these. No `vscode` import.
 */
import path from "node:path";
import type { FsyncPolicy } from "../core/appendOnlyJsonl";
import type { StepLensError } from "../core/errors";
import type { AggregateMode } from "../config";
import type { Engine } from "../engines/engine";
import { DEFAULT_MAX_CRITIQUE_CHARS } from "../verify/constrainedSchema";
import type { VerifierTemplate } from "../verify/templates";
import { GENERATOR_PROMPT_ID } from "./generatorPrompt";
import { WHOLE, type Shard } from "./ids";
import type { ProblemFields } from "./problems";
import type { Counts, FailureStage, SynthesisSettings } from "./records";

export interface SynthesisProgress {
  problems: { done: number; total: number };
  solutions: { done: number; total: number };
  verifications: { done: number; total: number };
  labels: { done: number; total: number };
  failures: number;
  /** Records written by this run so far. */
  written: number;
}

export interface SynthesisOptions {
  problemsFile: string;
  outDir: string;
  fields?: ProblemFields;
  solutions: number;
  verifications: number;
  aggregate: AggregateMode;
  tau: number;
  metaCritique: boolean;
  template: VerifierTemplate;
  /** JSON-schema-constrained verifications (small local models); a number sets the longest critique per step. */
  constrained?: boolean | { maxCritiqueChars?: number };
  seed: number;
  maxTokens?: number;
  limit?: number;
  shard?: Shard;
  resume?: boolean;
  retryFailed?: boolean;
  /** Problems worked on at the same time (default 2). */
  concurrency?: number;
  generator: Engine;
  verifier: Engine;
  /** Names of the models / endpoints per role (for the manifest and the records). */
  models: { generator: string[]; verifier: string[] };
  generatorSampling: { temperature: number; topP: number };
  verifierSampling: { temperature: number; topP: number };
  version: string;
  /** The command line, shown to a process refused by the lock. */
  command?: string;
  fsync?: FsyncPolicy;
  signal?: AbortSignal;
  onProgress?: (p: SynthesisProgress) => void;
  /** A problem record that was skipped (`file:line: …`). */
  onBadProblem?: (e: StepLensError) => void;
  onWarning?: (message: string) => void;
  /** Refuse a problem record with invalid UTF-8 (reported through onBadProblem) instead of warning. */
  strict?: boolean;
  /** Invalid UTF-8 in a problem record, at file:line (bad bytes read as U+FFFD); reported once. */
  onInputWarning?: (warning: StepLensError) => void;
}

export interface SynthesisSummary {
  status: "complete" | "interrupted";
  outDir: string;
  counts: Counts;
  /** Records written by this run, per file. */
  written: { solutions: number; verifications: number; labels: number; failures: number };
  /** Failures still standing (this run's and earlier ones not redone), a few of them with their errors; `total` leaves out the unverifiable solutions. */
  failures: { total: number; byStage: Record<FailureStage, number>; examples: { target: string; stage: FailureStage; error: string }[] };
  /** Solutions whose verification does not fit the verifier's context (recorded once each; they do not fail the run). */
  unverifiable: { total: number; examples: { target: string; error: string }[] };
  /** The token limit of each generation after sizing it to the verifier's context (null: not sized, the engine does not say its context). */
  generationLimit: number | null;
  /** Bytes of torn last lines cut off when the folder was recovered. */
  tornBytes: number;
  resumed: boolean;
  tookOverLock: boolean;
  seconds: number;
}

/** The settings a run is resumed under (compared with its manifest). */
export function settingsOf(o: SynthesisOptions): SynthesisSettings {
  return {
    problems: path.basename(o.problemsFile),
    idField: o.fields?.id ?? null,
    problemField: o.fields?.problem ?? null,
    referenceField: o.fields?.reference ?? null,
    solutions: o.solutions,
    verifications: o.verifications,
    aggregate: o.aggregate,
    tau: o.tau,
    metaCritique: o.metaCritique,
    seed: o.seed,
    maxTokens: o.maxTokens ?? null,
    constrained: constrainedCharsOf(o.constrained),
    shard: o.shard ?? WHOLE,
    generator: { temperature: o.generatorSampling.temperature, topP: o.generatorSampling.topP, prompt: GENERATOR_PROMPT_ID },
    verifier: { template: o.template.name, format: o.template.format, temperature: o.verifierSampling.temperature, topP: o.verifierSampling.topP },
  };
}

/** The longest critique per step of constrained verifications; null for free text. */
export function constrainedCharsOf(c: SynthesisOptions["constrained"]): number | null {
  if (!c) return null;
  return (typeof c === "object" ? c.maxCritiqueChars : undefined) ?? DEFAULT_MAX_CRITIQUE_CHARS;
}
