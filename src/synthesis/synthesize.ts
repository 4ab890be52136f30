/**
 * SPARK's stage I as a resumable, crash-safe pipeline (docs/synthesis.md):
 *   problems → generator (N step-numbered solutions each) → segmenter (the editor's) →
 *   verifier (K verifications each, through src/verify/verifyPipeline.ts) → labels (the three
 *   self-consistency rules, the chosen one drives them; optional meta-critique) → append-only files.
 *
 * Crash safety: the folder is locked (src/core/folderLock.ts); every record is one whole line appended
 * once (src/core/appendOnlyJsonl.ts); a record's prerequisites are fsynced before it is written (so
 * even a power loss never leaves a label without its verifications); on resume torn last lines are cut
 * off and only missing records are computed, with the seeds they would have had (sample s of a problem
 * uses seed + s; verification v of sample s uses seed + s·K + v).
 *
 * Failed calls are retried (the engine pool moves them to another endpoint), then recorded in
 * failures.jsonl, never dropped; a resumed run leaves them alone unless `retryFailed`. Problems are
 * streamed (two passes: a count, then the work), so memory does not grow with the problem count.
 * No `vscode` import.
 */
import os from "node:os";
import path from "node:path";
import { AppendOnlyJsonl, type FsyncPolicy } from "../core/appendOnlyJsonl";
import { CancelledError, errorMessage, StepLensError, throwIfAborted } from "../core/errors";
import { acquireFolderLock } from "../core/folderLock";
import { ensureDir } from "../core/safeFs";
import type { AggregateMode } from "../config";
import type { ChatMessage, Engine, Generation } from "../engines/engine";
import { segmentText } from "../formats/text";
import { gradePair } from "../grading";
import { constrainedTokenBudget, DEFAULT_MAX_CRITIQUE_CHARS } from "../verify/constrainedSchema";
import { renderPrompt, type VerifierTemplate } from "../verify/templates";
import type { VerificationParse } from "../verify/verification";
import { DEFAULT_MAX_TOKENS as VERIFY_MAX_TOKENS, metaCritique, verifyTrace, type VerifyOptions } from "../verify/verifyPipeline";
import { GENERATOR_PROMPT_ID, generatorPrompt } from "./generatorPrompt";
import { solutionId, verificationId, WHOLE, type Shard } from "./ids";
import { emptyState, hasRecordFiles, readManifest, recoverState, settingsDiff, writeManifest, type FolderState } from "./outputFolder";
import { readProblems, type Problem, type ProblemFields } from "./problems";
import {
  FILES,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type Counts,
  type FailureRecord,
  type FailureStage,
  type LabelRecord,
  type Manifest,
  type MetaCritiqueRecord,
  type SolutionRecord,
  type SynthesisSettings,
  type VerificationRecord,
} from "./records";
import { labelsOfParse, labelSolution } from "./stepLabels";

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

/** Generations shorter than this are not worth sizing for: the verifier's context is left as it is. */
const MIN_GENERATION_TOKENS = 64;
/** Free-text verifications need at least this room to say anything. */
const MIN_VERIFICATION_TOKENS = 16;
/** Slack for the prompt's token count (the constrained instructions name the fitted critique length). */
const PROMPT_MARGIN_TOKENS = 8;
/** Share of the room a solution may take (the rest: the "Step k:" markup the verifier's prompt adds). */
const STEP_MARKUP_SHARE = 0.85;

/** Tokens kept in the verifier's context for the verification's answer when sizing generations. */
function answerReserve(contextSize: number, maxTokens: number | undefined): number {
  return Math.min(maxTokens ?? VERIFY_MAX_TOKENS, Math.max(256, Math.floor(contextSize / 4)));
}

/** Tries of one call at this level; the engines retry transient errors themselves and the pool moves a call to another endpoint. */
const ATTEMPTS = 1;

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

function constrainedCharsOf(c: SynthesisOptions["constrained"]): number | null {
  if (!c) return null;
  return (typeof c === "object" ? c.maxCritiqueChars : undefined) ?? DEFAULT_MAX_CRITIQUE_CHARS;
}

/** Errors that say a solution's verification prompt does not fit the verifier: recorded once per solution. */
const UNVERIFIABLE_CODES = new Set(["context-too-small", "too-long", "verdicts-do-not-fit"]);

function stripThinking(p: VerificationRecord["parse"] & { thinking?: unknown }): VerificationRecord["parse"] {
  const { thinking: _thinking, ...rest } = p;
  void _thinking;
  return rest;
}

async function withRetries<T>(
  what: () => Promise<T>,
  signal: AbortSignal | undefined,
): Promise<{ ok: true; value: T } | { ok: false; error: string; code: string | undefined }> {
  let last: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    throwIfAborted(signal);
    try {
      return { ok: true, value: await what() };
    } catch (e) {
      if (e instanceof CancelledError || signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
      last = e;
    }
  }
  return { ok: false, error: errorMessage(last), code: last instanceof StepLensError ? last.details.code : undefined };
}

export async function synthesize(o: SynthesisOptions): Promise<SynthesisSummary> {
  const t0 = performance.now();
  const outDir = path.resolve(o.outDir);
  ensureDir(outDir, outDir);
  const lock = acquireFolderLock(outDir, { command: o.command });
  const writers: AppendOnlyJsonl[] = [];
  try {
    return await run(o, outDir, t0, lock.tookOver !== null, writers);
  } finally {
    for (const w of writers) {
      try {
        w.close();
      } catch {
        // closing is best effort; the records are whole lines already
      }
    }
    lock.release();
  }
}

/** What stage 1 hands on: the manifest found (null for a new run), the records already there, this run's manifest. */
export interface RunFolder {
  saved: Manifest | null;
  state: FolderState;
  manifest: Manifest;
  runNo: number;
}

/**
 * Stage 1, the folder: a new run, or the one to resume with the same settings (anything else is
 * refused, naming the difference); the records already written are read back; this run's manifest
 * is written ("running").
 */
export async function openRunFolder(o: SynthesisOptions, outDir: string, settings: SynthesisSettings, now: () => string): Promise<RunFolder> {
  const resume = Boolean(o.resume || o.retryFailed);
  const signal = o.signal;
  const saved = readManifest(outDir);
  if (saved && !resume)
    throw new StepLensError(`${outDir} already holds a synthesis run (${saved.status})`, {
      file: path.join(outDir, FILES.manifest),
      hint: "Add --resume to continue it, or choose another --out folder.",
    });
  if (!saved && hasRecordFiles(outDir))
    throw new StepLensError(`${outDir} has synthesis record files but no manifest.json`, {
      hint: "Choose another --out folder; StepLens does not add to files it cannot match to settings.",
    });
  if (saved) {
    const diff = settingsDiff(saved.settings, settings);
    if (diff.length)
      throw new StepLensError(`${outDir} holds a run with other settings (${diff.join("; ")})`, {
        file: path.join(outDir, FILES.manifest),
        hint: "Resume with the settings it was started with (see its manifest.json), or use another --out folder.",
      });
  }
  const state: FolderState = saved ? await recoverState(outDir, signal) : emptyState();
  for (const id of state.duplicates.slice(0, 5)) o.onWarning?.(`a record id appears twice in ${outDir}: ${id} (the first is kept)`);
  const runNo = (saved?.runs.length ?? 0) + 1;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    steplensVersion: o.version,
    created: saved?.created ?? now(),
    updated: now(),
    status: "running",
    settings,
    models: o.models,
    limit: o.limit ?? null,
    counts: saved?.counts ?? {
      problems: 0,
      skippedProblems: 0,
      solutions: 0,
      verifications: 0,
      labels: 0,
      failed: { solution: 0, verification: 0, label: 0, unverifiable: 0 },
    },
    runs: [...(saved?.runs ?? []), { run: runNo, started: now(), ended: null, status: "running", host: os.hostname(), pid: process.pid }],
  };
  writeManifest(outDir, manifest);
  return { saved, state, manifest, runNo };
}

/**
 * Stage 2, the first pass over the problems: how many there are (within --limit and the shard), how
 * many are skipped as bad records (each reported once), and how many of their labels already exist.
 */
export async function countProblems(o: SynthesisOptions, state: FolderState): Promise<{ problemsTotal: number; skipped: number; labelsDoneAtStart: number }> {
  const N = o.solutions;
  let problemsTotal = 0;
  let skipped = 0;
  let labelsDoneAtStart = 0;
  for await (const p of readProblems(o.problemsFile, {
    fields: o.fields,
    shard: o.shard,
    signal: o.signal,
    strict: o.strict,
    onWarning: o.onInputWarning,
    onBadRecord: (e) => {
      skipped++;
      o.onBadProblem?.(e);
    },
  })) {
    if (o.limit !== undefined && problemsTotal >= o.limit) break;
    problemsTotal++;
    for (let s = 0; s < N; s++) if (state.labels.has(solutionId(p.id, s))) labelsDoneAtStart++;
  }
  return { problemsTotal, skipped, labelsDoneAtStart };
}

async function run(o: SynthesisOptions, outDir: string, t0: number, tookOverLock: boolean, writers: AppendOnlyJsonl[]): Promise<SynthesisSummary> {
  const settings = settingsOf(o);
  const N = o.solutions;
  const K = o.verifications;
  const signal = o.signal;
  const now = () => new Date().toISOString();

  // 1. The folder: a new run, or the one to resume (same settings).
  const { saved, state, manifest, runNo } = await openRunFolder(o, outDir, settings, now);

  const open = (name: string) => {
    const w = new AppendOnlyJsonl(path.join(outDir, name), outDir, { fsync: o.fsync ?? "interval" });
    writers.push(w);
    return w;
  };
  const out = { solutions: open(FILES.solutions), verifications: open(FILES.verifications), labels: open(FILES.labels), failures: open(FILES.failures) };

  // 2. First pass over the problems: how many (for progress), and the bad records, reported once.
  const { problemsTotal, skipped, labelsDoneAtStart } = await countProblems(o, state);

  const failedAtStart = state.failed.size;
  const progress: SynthesisProgress = {
    problems: { done: 0, total: problemsTotal },
    solutions: { done: Math.min(state.solutions.size, problemsTotal * N), total: problemsTotal * N },
    verifications: { done: Math.min(state.verifications.size, problemsTotal * N * K), total: problemsTotal * N * K },
    labels: { done: labelsDoneAtStart, total: problemsTotal * N },
    failures: failedAtStart,
    written: 0,
  };
  let lastReport = 0;
  const report = (force = false) => {
    const t = Date.now();
    if (!force && t - lastReport < 100) return;
    lastReport = t;
    o.onProgress?.({ ...progress });
  };
  report(true);

  const written = { solutions: 0, verifications: 0, labels: 0, failures: 0 };
  const thisRunFailures: FailureRecord[] = [];
  const fail = (stage: FailureStage, target: string, problemId: string, error: string) => {
    const rec: FailureRecord = { id: `${target}@${runNo}`, target, stage, problemId, run: runNo, error, at: now() };
    out.failures.append(rec);
    state.failed.set(target, rec);
    thisRunFailures.push(rec);
    written.failures++;
    progress.failures++;
    report();
  };
  const skipFailed = (target: string) => state.failed.has(target) && !o.retryFailed;
  /** Records once that a solution cannot be verified (not once per verification). */
  const unverifiable = (p: Problem, sol: SolutionRecord, reason: string) => {
    if (thisRunFailures.some((f) => f.target === sol.id && f.stage === "unverifiable")) return;
    fail("unverifiable", sol.id, p.id, reason);
    progress.verifications.total -= K - (state.pendingVerifications.get(sol.id)?.length ?? 0);
    progress.labels.total--;
  };

  const genModel = o.generator.info().models.generator || o.models.generator[0] || "";
  const verModel = o.verifier.info().models.verifier || o.models.verifier[0] || "";

  // Context sizing, where the engines say their context (local models): a solution must leave room in
  // the verifier's context for the verification prompt around it and for the verification itself.
  const chars = constrainedCharsOf(o.constrained);
  const verifierContext = o.verifier.info().contextSize;
  const generatorContext = o.generator.info().contextSize;
  const countVerifier = o.verifier.promptTokenCount ? (pr: ChatMessage[]) => o.verifier.promptTokenCount!(pr, "verifier", { signal }) : null;
  const countGenerator = o.generator.promptTokenCount ? (pr: ChatMessage[]) => o.generator.promptTokenCount!(pr, "generator", { signal }) : null;
  const verifierPrompt = (p: Problem, steps: string[]) =>
    renderPrompt(o.template, { problem: p.problem, steps, reference: p.reference }, { constrained: chars === null ? false : { maxCritiqueChars: chars } });
  let generationLimit: number | null = null;
  // Verifier-prompt tokens per generated token, at least 1/STEP_MARKUP_SHARE (the "Step k:" markup),
  // raised to the largest seen: a model whose text tokenizes longer than it was generated gets shorter solutions.
  let markupRatio = 1 / STEP_MARKUP_SHARE;
  /** The token limit of a problem's generations: the user's, lowered so that a solution fits the verifier (and the generator). */
  const generationTokens = async (p: Problem): Promise<number | undefined> => {
    let limit = o.maxTokens ?? Number.POSITIVE_INFINITY;
    if (verifierContext && countVerifier) {
      const around = await countVerifier(verifierPrompt(p, [""]));
      const room = verifierContext - around - answerReserve(verifierContext, o.maxTokens);
      const fit = Math.floor(room / markupRatio);
      if (fit >= MIN_GENERATION_TOKENS) limit = Math.min(limit, fit);
    }
    if (generatorContext && countGenerator) {
      const fit = generatorContext - (await countGenerator(generatorPrompt(p.problem))) - 1;
      if (fit >= 1) limit = Math.min(limit, fit);
    }
    if (!Number.isFinite(limit)) return o.maxTokens;
    if (limit !== o.maxTokens) generationLimit = Math.min(generationLimit ?? limit, limit);
    return limit;
  };
  /** The token limit of a solution's verifications, or why none fits the verifier's context. */
  const verificationTokens = async (p: Problem, sol: SolutionRecord): Promise<{ maxTokens: number | undefined } | { unverifiable: string }> => {
    // Constrained verdicts take what their schema needs (--max-tokens limits the solutions); free text takes --max-tokens.
    const wanted = chars === null ? o.maxTokens : constrainedTokenBudget(o.template.format, sol.steps.length, chars);
    if (!verifierContext || !countVerifier) return { maxTokens: wanted };
    let tokens: number;
    try {
      tokens = await countVerifier(verifierPrompt(p, sol.steps));
      if (sol.tokens >= MIN_GENERATION_TOKENS) markupRatio = Math.max(markupRatio, (tokens - (await countVerifier(verifierPrompt(p, [""])))) / sol.tokens);
    } catch (e) {
      if (e instanceof StepLensError && UNVERIFIABLE_CODES.has(e.details.code ?? "")) return { unverifiable: e.message };
      throw e;
    }
    const room = verifierContext - tokens - PROMPT_MARGIN_TOKENS;
    const need = chars === null ? MIN_VERIFICATION_TOKENS : constrainedTokenBudget(o.template.format, sol.steps.length, 0);
    if (room < need)
      return {
        unverifiable: `its verification prompt is ${tokens} tokens and the answer needs at least ${need}: over the verifier's context of ${verifierContext} tokens (raise --context-size)`,
      };
    return { maxTokens: Math.min(wanted ?? VERIFY_MAX_TOKENS, room) };
  };

  const writeSolution = (p: Problem, s: number, g: Generation): SolutionRecord => {
    let steps: string[] = [];
    let finalAnswer: string | null = null;
    try {
      // The editor's segmenter: the steps the user would see if they opened the solution.
      const trace = segmentText(g.text, { withRanges: false, onProblem: () => undefined });
      steps = trace.steps.map((st) => st.text);
      finalAnswer = trace.finalAnswer;
    } catch (e) {
      if (!(e instanceof StepLensError)) throw e;
    }
    const graded = p.reference !== null ? gradePair(p.reference, g.text) : null; // the answer grader: extractAnswer + answersEqual
    const rec: SolutionRecord = {
      id: solutionId(p.id, s),
      problemId: p.id,
      sample: s,
      problem: p.problem,
      text: g.text,
      steps,
      finalAnswer,
      finishReason: g.finishReason,
      tokens: g.tokens,
      seed: o.seed + s,
      model: genModel,
      reference: p.reference,
      answerCorrect: graded ? graded.equal : null,
      predicted: graded ? graded.extracted || null : null,
    };
    out.solutions.append(rec);
    state.solutions.add(rec.id);
    state.failed.delete(rec.id);
    written.solutions++;
    progress.solutions.done++;
    if (!steps.length) progress.verifications.total -= K; // nothing to verify
    progress.written++;
    report();
    return rec;
  };

  const verifyOptions = (samples: number, seed: number, reference: string | null, maxTokens = o.maxTokens): VerifyOptions => ({
    template: o.template,
    samples,
    temperature: o.verifierSampling.temperature,
    topP: o.verifierSampling.topP,
    seed,
    tau: o.tau,
    aggregate: o.aggregate,
    metaCritique: false,
    reference,
    maxTokens,
    constrained: chars === null ? false : { maxCritiqueChars: chars },
    role: "verifier",
  });

  /** Missing verifications of a solution, then its label. */
  const verifyAndLabel = async (p: Problem, sol: SolutionRecord): Promise<void> => {
    if (state.labels.has(sol.id)) return;
    if (skipFailed(sol.id) && state.failed.get(sol.id)?.stage === "unverifiable") {
      progress.verifications.total -= K - (state.pendingVerifications.get(sol.id)?.length ?? 0);
      progress.labels.total--;
      return;
    }
    let verifyMax = chars === null ? o.maxTokens : undefined;
    if (sol.steps.length > 0) {
      const budget = await verificationTokens(p, sol);
      if ("unverifiable" in budget) {
        unverifiable(p, sol, budget.unverifiable);
        return;
      }
      verifyMax = budget.maxTokens;
    }
    const existing = new Map<number, VerificationRecord>();
    for (const v of state.pendingVerifications.get(sol.id) ?? []) existing.set(v.verification, v);
    state.pendingVerifications.delete(sol.id);
    if (sol.steps.length > 0) {
      const missing: number[] = [];
      let blocked = false;
      for (let v = 0; v < K; v++) {
        if (existing.has(v)) continue;
        if (skipFailed(verificationId(p.id, sol.sample, v))) blocked = true;
        else missing.push(v);
      }
      const input = { problem: p.problem, steps: sol.steps, reference: p.reference };
      const base = o.seed + sol.sample * K;
      // All missing: one call with K samples (the local engine runs them as K sequences of one context).
      const groups = missing.length === K ? [missing] : missing.map((v) => [v]);
      if (groups.length) out.solutions.sync();
      await Promise.all(
        groups.map(async (group) => {
          const r = await withRetries(
            () => verifyTrace(o.verifier, input, verifyOptions(group.length, base + group[0], p.reference, verifyMax), { signal }),
            signal,
          );
          throwIfAborted(signal);
          if (!r.ok) {
            if (UNVERIFIABLE_CODES.has(r.code ?? "")) unverifiable(p, sol, r.error);
            else for (const v of group) fail("verification", verificationId(p.id, sol.sample, v), p.id, r.error);
            return;
          }
          r.value.samples.forEach((smp, i) => {
            const v = group[i];
            const rec: VerificationRecord = {
              id: verificationId(p.id, sol.sample, v),
              solutionId: sol.id,
              problemId: p.id,
              sample: sol.sample,
              verification: v,
              text: smp.text,
              finishReason: smp.finishReason,
              tokens: smp.tokens,
              seed: base + v,
              model: verModel,
              template: o.template.name,
              referenceGuided: r.value.referenceGuided,
              parse: stripThinking(smp.parse),
            };
            out.verifications.append(rec);
            state.verifications.add(rec.id);
            state.failed.delete(rec.id);
            existing.set(v, rec);
            written.verifications++;
            progress.verifications.done++;
            progress.written++;
          });
          report();
        }),
      );
      if (blocked || existing.size < K) return; // a verification failed (or none fits): no label until it is redone
    }
    if (skipFailed(sol.id) && state.failed.get(sol.id)?.stage === "label") return;

    // Labels: the three rules over the K parses, then the optional meta-critique.
    const ordered = [...existing.values()].sort((a, b) => a.verification - b.verification);
    const parses = ordered.map((v) => ({ ...v.parse, thinking: null }) as VerificationParse);
    // The critic format names only the earliest wrong paragraph: its labels come from the first-error vote (as in verifyTrace).
    const rule = o.template.format === "processbench" ? "first-error" : o.aggregate;
    const lab = labelSolution(parses, sol.steps.length, rule, o.tau);
    let meta: MetaCritiqueRecord | null = null;
    if (o.metaCritique && sol.steps.length > 0 && lab.explanation !== null) {
      const of = ordered[lab.explanation];
      const r = await withRetries(
        () =>
          metaCritique(
            o.verifier,
            { problem: p.problem, steps: sol.steps, reference: p.reference },
            of.text,
            verifyOptions(1, o.seed + sol.sample * K, p.reference, verifyMax),
            { signal },
          ),
        signal,
      );
      throwIfAborted(signal);
      if (!r.ok) {
        fail("label", sol.id, p.id, `meta-critique: ${r.error}`);
        return;
      }
      const l = labelsOfParse(r.value.parse, sol.steps.length);
      meta = {
        of: of.id,
        critique: r.value.critique,
        merged: r.value.merged,
        ok: r.value.parse.ok,
        reason: r.value.parse.ok ? null : r.value.parse.reason,
        ...l,
      };
    }
    const useMeta = meta !== null && meta.ok;
    const record: LabelRecord = {
      id: sol.id,
      solutionId: sol.id,
      problemId: p.id,
      sample: sol.sample,
      ...lab,
      status: sol.steps.length === 0 ? "no-steps" : lab.status,
      stepCount: sol.steps.length,
      source: useMeta ? "meta-critique" : "aggregate",
      labels: useMeta ? meta!.labels : lab.labels,
      firstError: useMeta ? meta!.firstError : lab.firstError,
      outcome: useMeta ? meta!.outcome : lab.outcome,
      explanationId: lab.explanation === null ? null : (ordered[lab.explanation]?.id ?? null),
      metaCritique: meta,
      reference: p.reference !== null ? { answer: p.reference, predicted: sol.predicted ?? null, correct: sol.answerCorrect } : null,
    };
    out.verifications.sync(); // a label is never on disk without the verifications it counts
    out.labels.append(record);
    state.labels.add(sol.id);
    state.failed.delete(sol.id);
    written.labels++;
    progress.labels.done++;
    progress.written++;
    report();
  };

  /** One problem: its missing solutions, then every unlabelled solution's verifications and label. */
  const processProblem = async (p: Problem): Promise<void> => {
    const ready: SolutionRecord[] = [];
    const missing: number[] = [];
    for (let s = 0; s < N; s++) {
      const id = solutionId(p.id, s);
      if (state.labels.has(id)) continue;
      const pending = state.pendingSolutions.get(id);
      if (pending) {
        state.pendingSolutions.delete(id);
        ready.push(pending);
      } else if (state.solutions.has(id) || skipFailed(id)) continue;
      else missing.push(s);
    }
    const groups = missing.length === N ? [missing] : missing.map((s) => [s]);
    const work: Promise<void>[] = ready.map((sol) => verifyAndLabel(p, sol));
    const maxTokens = groups.length ? await generationTokens(p) : o.maxTokens;
    for (const group of groups) {
      work.push(
        (async () => {
          const r = await withRetries(
            () =>
              o.generator.generate(
                {
                  role: "generator",
                  prompt: generatorPrompt(p.problem),
                  n: group.length,
                  temperature: o.generatorSampling.temperature,
                  topP: o.generatorSampling.topP,
                  seed: o.seed + group[0],
                  maxTokens,
                },
                { signal },
              ),
            signal,
          );
          throwIfAborted(signal);
          if (!r.ok) {
            for (const s of group) fail("solution", solutionId(p.id, s), p.id, r.error);
            return;
          }
          if (r.value.some((g) => g.finishReason === "cancelled")) throw new CancelledError();
          const sols = r.value.slice(0, group.length).map((g, i) => writeSolution(p, group[i], g));
          await Promise.all(sols.map((sol) => verifyAndLabel(p, sol)));
        })(),
      );
    }
    const results = await Promise.allSettled(work);
    const bad = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
    if (bad) throw bad.reason;
  };

  // 3. Second pass: the work, streamed, in windows of `concurrency` problems. A window's generations
  // are all asked for first and its verifications after them, so a server that caches prompts per
  // slot (llama.cpp server, steplens serve) sees long runs of the same verifier prompt, not an
  // interleaving of the two kinds; the next window starts when this one is done.
  let status: SynthesisSummary["status"] = "complete";
  const iterator = readProblems(o.problemsFile, { fields: o.fields, shard: o.shard, signal, strict: o.strict })[Symbol.asyncIterator]();
  const window = Math.max(1, o.concurrency ?? 2);
  let taken = 0;
  try {
    for (let more = true; more;) {
      throwIfAborted(signal);
      const batch: Problem[] = [];
      while (batch.length < window && (o.limit === undefined || taken < o.limit)) {
        const r = await iterator.next();
        if (r.done) break;
        taken++;
        batch.push(r.value);
      }
      more = batch.length === window && (o.limit === undefined || taken < o.limit);
      const results = await Promise.allSettled(
        batch.map(async (p) => {
          await processProblem(p);
          progress.problems.done++;
          report();
        }),
      );
      const bad = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
      if (bad) throw bad.reason;
    }
  } catch (e) {
    if (!(e instanceof CancelledError) && !signal?.aborted) {
      finish("failed");
      throw e;
    }
    status = "interrupted";
  } finally {
    await iterator.return?.(undefined);
  }
  report(true);

  function counts(): Counts {
    const failed: Record<FailureStage, number> = { solution: 0, verification: 0, label: 0, unverifiable: 0 };
    for (const f of state.failed.values()) failed[f.stage]++;
    return {
      problems: problemsTotal,
      skippedProblems: skipped,
      solutions: state.solutions.size,
      verifications: state.verifications.size,
      labels: state.labels.size,
      failed,
    };
  }
  function finish(s: Manifest["status"]): void {
    for (const w of Object.values(out)) w.sync();
    manifest.status = s;
    manifest.updated = now();
    manifest.counts = counts();
    manifest.runs[manifest.runs.length - 1] = { ...manifest.runs[manifest.runs.length - 1], ended: now(), status: s };
    writeManifest(outDir, manifest);
  }
  const c = counts();
  const standing = state.failed.size - c.failed.unverifiable;
  const expectedLabels = problemsTotal * N - c.failed.unverifiable;
  const complete = status === "complete" && standing === 0 && c.labels >= expectedLabels;
  finish(status === "interrupted" ? "interrupted" : complete ? "complete" : "incomplete");

  const failedList = [...state.failed.values()];
  const examples = failedList
    .filter((f) => f.stage !== "unverifiable")
    .slice(0, 5)
    .map((f) => ({ target: f.target, stage: f.stage, error: f.error }));
  const unverifiableList = failedList.filter((f) => f.stage === "unverifiable");
  return {
    status,
    outDir,
    counts: c,
    written,
    failures: { total: standing, byStage: c.failed, examples },
    unverifiable: { total: unverifiableList.length, examples: unverifiableList.slice(0, 5).map((f) => ({ target: f.target, error: f.error })) },
    generationLimit,
    tornBytes: Object.values(state.torn).reduce((a, b) => a + b, 0),
    resumed: saved !== null,
    tookOverLock,
    seconds: (performance.now() - t0) / 1000,
  };
}
