/**
 * The verification pipeline: K verifications of one trace in parallel (one `generate` call with
 * n = K: the local engine runs them as K sequences of one context, each with its own seed; an
 * endpoint gets `n` or concurrent requests), parsed, aggregated (self-consistency), and optionally
 * refined by SPARK's meta-critique (a critique pass and a merge pass, both at temperature 0) applied
 * to one verification (K = 1) or to the aggregate's explanation (K > 1). A reference answer turns on
 * the reference-guided mode (the template's reference-guided variant), for comparison. Sampling
 * defaults are SPARK's public code's (K = 16, temperature 0.8, top_p 0.95, 8192 tokens). Depends only
 * on the Engine interface. No `vscode` import here.
 */
import type { AggregateMode } from "../config";
import { CancelledError, StepLensError, throwIfAborted } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine, Generation, ModelRole } from "../engines/engine";
import { aggregateVerifications, DEFAULT_TAU, type AggregateResult } from "./aggregate";
import { constrainedInstructions, constrainedTokenBudget, critiqueCharsFor, DEFAULT_MAX_CRITIQUE_CHARS, verificationSchema } from "./constrainedSchema";
import { renderCritiquePrompt, renderMergePrompt, renderPrompt, stepBaseOf, type PromptInput, type VerifierTemplate } from "./templates";
import { parseVerification, type CriticIndexRule, type FinalVerdictRule } from "./verdictParser";
import { splitThinking } from "./thinking";
import type { OutcomeVerdict, StepVerdictValue, VerificationParse } from "./verification";

export interface VerifyOptions {
  template: VerifierTemplate;
  /** K, the number of independent verifications (default 16, as SPARK). */
  samples?: number;
  /** Sampling temperature of the K verifications (default 0.8, as SPARK). */
  temperature?: number;
  /** Nucleus sampling of the K verifications (default 0.95, as SPARK; meta-critique passes too). */
  topP?: number;
  /** Base seed: verification i uses seed + i. */
  seed?: number;
  /** Step-level threshold τ (default 0.5). */
  tau?: number;
  aggregate?: AggregateMode;
  /** JSON-schema-constrained output (for small local models); a number sets the longest critique per step. */
  constrained?: boolean | { maxCritiqueChars?: number };
  metaCritique?: boolean;
  /** Known correct final answer: reference-guided verification. */
  reference?: string | null;
  /** Token limit per verification (default: 8192 free text, as SPARK, room for a thinking model; enough for the schema when constrained). */
  maxTokens?: number;
  /** Model role that verifies (default "verifier"). */
  role?: ModelRole;
  /** How the final Yes/No verdict is read: "steplens" (default, Yes and No together → undetermined) or SPARK's first match. */
  finalVerdictRule?: FinalVerdictRule;
  /** How a ProcessBench critic's index is read: "lenient" (default) or "official" (ProcessBench's script). */
  criticIndex?: CriticIndexRule;
}

export interface VerifySample {
  sample: number;
  text: string;
  finishReason: Generation["finishReason"];
  tokens: number;
  parse: VerificationParse;
}

export interface MetaCritiqueResult {
  /** "sample" when applied to the only verification, "aggregate" when to the aggregate's explanation. */
  target: "sample" | "aggregate";
  /** The verification that was critiqued. */
  sample: number;
  critique: string;
  merged: string;
  parse: VerificationParse;
  tokens: number;
}

export interface FinalStep {
  index: number;
  verdict: StepVerdictValue;
  /** The chosen critique for this step (the explanation's, or the merged verification's). */
  critique: string;
}

/** What the pipeline concludes: the meta-critique's merged verification when there is a usable one, else the aggregate. */
export interface FinalVerdicts {
  source: "aggregate" | "meta-critique";
  steps: FinalStep[];
  firstError: number | null;
  outcome: OutcomeVerdict | null;
  /** The chosen verification's text outside its step sections (overall review, critic answer). */
  summary: string;
}

export interface VerifyResult {
  stepCount: number;
  template: string;
  format: VerifierTemplate["format"];
  referenceGuided: boolean;
  samples: VerifySample[];
  aggregate: AggregateResult;
  metaCritique: MetaCritiqueResult | null;
  final: FinalVerdicts;
  /** Tokens generated in all. */
  tokens: number;
  seconds: number;
}

/** SPARK's public code: K = 16 verifications at temperature 0.8, top_p 0.95, up to 8192 tokens each. */
export const DEFAULT_SAMPLES = 16;
export const DEFAULT_TEMPERATURE = 0.8;
export const DEFAULT_TOP_P = 0.95;
export const DEFAULT_MAX_TOKENS = 8192;

/** A model text without its thinking (for the meta-critique's inputs): the visible part, else the text itself. */
export function withoutThinking(text: string): string {
  const { visible } = splitThinking(text);
  return visible || text.trim();
}

function constrainedChars(c: VerifyOptions["constrained"]): number | null {
  if (!c) return null;
  return (typeof c === "object" ? c.maxCritiqueChars : undefined) ?? DEFAULT_MAX_CRITIQUE_CHARS;
}

export { constrainedTokenBudget };

/**
 * The schema, token limit and critique length of a verification. Constrained with a token limit: the
 * critiques are shortened until the JSON always closes within it (a limit too small for the JSON's
 * structure is an error naming the limit that fits); without one, the limit is what the schema needs.
 */
export function samplingFor(opts: Pick<VerifyOptions, "constrained" | "maxTokens" | "template">, stepCount: number) {
  let chars = constrainedChars(opts.constrained);
  if (chars !== null && opts.maxTokens !== undefined) {
    const fitted = critiqueCharsFor(opts.template.format, stepCount, opts.maxTokens, chars);
    if (fitted === null) throw verdictsDoNotFit(opts.maxTokens, stepCount, constrainedTokenBudget(opts.template.format, stepCount, 0));
    chars = fitted;
  }
  const jsonSchema = chars === null ? undefined : verificationSchema(opts.template.format, stepCount, { maxCritiqueChars: chars });
  const maxTokens = opts.maxTokens ?? (chars === null ? DEFAULT_MAX_TOKENS : constrainedTokenBudget(opts.template.format, stepCount, chars));
  return { jsonSchema, maxTokens, chars };
}

/** Slack for the prompt's token count when the critique length in its instructions changes. */
const PROMPT_SLACK_TOKENS = 8;

/**
 * The sampling of `samplingFor` and the rendered prompt; constrained, on an engine that knows its
 * context and counts prompt tokens (local models), the token limit is also what the context has left
 * after the prompt, so the JSON closes before the context ends too (a context too small for the
 * JSON's structure is an error naming both).
 */
async function fitToContext(engine: Engine, role: ModelRole, input: PromptInput, opts: VerifyOptions, stepCount: number, signal?: AbortSignal) {
  const s = samplingFor(opts, stepCount);
  const render = (chars: number | null) => renderPrompt(opts.template, input, { constrained: chars === null ? false : { maxCritiqueChars: chars } });
  const prompt = render(s.chars);
  const contextSize = engine.info().contextSize;
  if (s.chars === null || !contextSize || !engine.promptTokenCount) return { ...s, prompt };
  const room = contextSize - (await engine.promptTokenCount(prompt, role, { signal })) - PROMPT_SLACK_TOKENS;
  if (room >= s.maxTokens) return { ...s, prompt };
  const needed = constrainedTokenBudget(opts.template.format, stepCount, 0);
  if (room < needed) {
    const e = verdictsDoNotFit(Math.max(0, room), stepCount, needed);
    throw new StepLensError(`${e.message.replace(/\.$/, "")} (what the ${contextSize}-token context leaves after the prompt).`, {
      code: "verdicts-do-not-fit",
      hint: "Raise steplens.local.contextSize (CLI: --context-size), or verify a shorter trace.",
    });
  }
  const fitted = samplingFor({ ...opts, maxTokens: room }, stepCount);
  return { ...fitted, prompt: render(fitted.chars) };
}

/** A token limit that cannot hold the constrained JSON of this many steps even with empty critiques. */
export function verdictsDoNotFit(maxTokens: number, stepCount: number, needed: number): StepLensError {
  return new StepLensError(
    `a constrained verification of ${stepCount} step${stepCount === 1 ? "" : "s"} needs up to ${needed} tokens even with empty critiques, over the limit of ${maxTokens}.`,
    { code: "verdicts-do-not-fit", hint: `Raise the token limit (--max-tokens, steplens.verify.maxTokens) to at least ${needed}, or verify a shorter trace.` },
  );
}

function parseOne(text: string, finishReason: Generation["finishReason"], opts: VerifyOptions, stepCount: number): VerificationParse {
  return parseVerification(text, {
    stepCount,
    format: opts.template.format,
    stepBase: stepBaseOf(opts.template),
    json: Boolean(opts.constrained),
    finishReason,
    finalVerdictRule: opts.finalVerdictRule,
    criticIndex: opts.criticIndex,
  });
}

function checkInput(input: PromptInput): void {
  if (!input.steps.length)
    throw new StepLensError("the trace has no steps to verify", { hint: "Check that the file was segmented into steps (steplens segment <file>)." });
}

/** K verifications, parsed and aggregated; then the meta-critique when asked for. */
export async function verifyTrace(engine: Engine, input: PromptInput, opts: VerifyOptions, run: RunOptions = {}): Promise<VerifyResult> {
  checkInput(input);
  const t0 = performance.now();
  const stepCount = input.steps.length;
  const k = Math.max(1, Math.floor(opts.samples ?? DEFAULT_SAMPLES));
  const total = k + (opts.metaCritique ? 2 : 0);
  const role = opts.role ?? "verifier";
  const { jsonSchema, maxTokens, prompt } = await fitToContext(engine, role, input, opts, stepCount, run.signal);
  const report = (done: number, message: string) => run.onProgress?.({ done, total, message });

  throwIfAborted(run.signal);
  report(0, `verifying (${k} sample${k > 1 ? "s" : ""})`);
  const generations = await engine.generate(
    {
      role,
      prompt,
      n: k,
      temperature: opts.temperature ?? DEFAULT_TEMPERATURE,
      topP: opts.topP ?? DEFAULT_TOP_P,
      seed: opts.seed,
      maxTokens,
      jsonSchema,
    },
    { signal: run.signal, onProgress: (p) => report(0, p.message ?? `verifying (${k} samples)`) },
  );
  throwIfAborted(run.signal);
  if (generations.some((g) => g.finishReason === "cancelled")) throw new CancelledError();
  const samples: VerifySample[] = generations.map((g, sample) => ({
    sample,
    text: g.text,
    finishReason: g.finishReason,
    tokens: g.tokens,
    parse: parseOne(g.text, g.finishReason, opts, stepCount),
  }));
  report(k, "aggregating");
  const aggregate = aggregateVerifications(
    samples.map((s) => s.parse),
    // The critic format names only the earliest wrong paragraph: its aggregate is the first-error vote.
    { stepCount, tau: opts.tau ?? DEFAULT_TAU, mode: opts.template.format === "processbench" ? "first-error" : (opts.aggregate ?? "step") },
  );

  let meta: MetaCritiqueResult | null = null;
  if (opts.metaCritique) {
    const target = k === 1 ? "sample" : "aggregate";
    const sample = aggregate.explanation ?? 0;
    const explained = samples[sample];
    if (explained === undefined) throw new Error(`verify: the meta-critique's sample ${sample} is not among the ${samples.length} samples`);
    meta = await metaCritique(engine, input, explained.text, opts, {
      signal: run.signal,
      onProgress: (p) => report(k + p.done, p.message ?? "meta-critique"),
    });
    meta = { ...meta, target, sample };
  }

  const final = finalVerdicts(samples, aggregate, meta, stepCount);
  report(total, "done");
  return {
    stepCount,
    template: opts.template.name,
    format: opts.template.format,
    referenceGuided: Boolean(input.reference?.trim()),
    samples,
    aggregate,
    metaCritique: meta,
    final,
    tokens: samples.reduce((a, s) => a + s.tokens, 0) + (meta?.tokens ?? 0),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * SPARK's sequential scaling on one verification: (1) critique it, (2) merge the critique into it,
 * "as if written in one go", in the same format. Both passes at temperature 0, with the thinking
 * removed from their inputs (the verification's, then the critique's), as SPARK does. In constrained
 * mode the merge pass is constrained to the schema; the critique pass is free text.
 */
export async function metaCritique(
  engine: Engine,
  input: PromptInput,
  verification: string,
  opts: VerifyOptions,
  run: RunOptions = {},
): Promise<MetaCritiqueResult> {
  checkInput(input);
  const stepCount = input.steps.length;
  const role = opts.role ?? "verifier";
  const { jsonSchema, maxTokens, chars } = samplingFor(opts, stepCount);
  const base = { role, n: 1, temperature: 0, seed: opts.seed };
  throwIfAborted(run.signal);
  run.onProgress?.({ done: 0, total: 2, message: "meta-critique: critique pass" });
  const original = withoutThinking(verification);
  const [critique] = await engine.generate(
    { ...base, prompt: renderCritiquePrompt(opts.template, input, original), maxTokens: opts.maxTokens ?? DEFAULT_MAX_TOKENS },
    { signal: run.signal },
  );
  throwIfAborted(run.signal);
  if (critique === undefined) throw new Error("meta-critique: the engine returned no generation for the critique pass (n = 1)");
  if (critique.finishReason === "cancelled") throw new CancelledError();
  run.onProgress?.({ done: 1, total: 2, message: "meta-critique: merge pass" });
  const mergePrompt = renderMergePrompt(opts.template, input, original, withoutThinking(critique.text));
  if (chars !== null) {
    const last = mergePrompt.at(-1);
    if (last === undefined) throw new Error("meta-critique: the merge prompt has no message");
    last.content += "\n\n" + constrainedInstructions(opts.template.format, stepCount, { maxCritiqueChars: chars });
  }
  const [merged] = await engine.generate({ ...base, prompt: mergePrompt, maxTokens, jsonSchema }, { signal: run.signal });
  throwIfAborted(run.signal);
  if (merged === undefined) throw new Error("meta-critique: the engine returned no generation for the merge pass (n = 1)");
  if (merged.finishReason === "cancelled") throw new CancelledError();
  run.onProgress?.({ done: 2, total: 2, message: "meta-critique done" });
  return {
    target: "sample",
    sample: 0,
    critique: critique.text,
    merged: merged.text,
    parse: parseOne(merged.text, merged.finishReason, opts, stepCount),
    tokens: critique.tokens + merged.tokens,
  };
}

function finalVerdicts(samples: VerifySample[], agg: AggregateResult, meta: MetaCritiqueResult | null, stepCount: number): FinalVerdicts {
  if (meta?.parse.ok) {
    const p = meta.parse;
    return { source: "meta-critique", steps: p.steps.map((s) => ({ ...s })), firstError: p.firstError, outcome: p.finalVerdict, summary: p.summary };
  }
  const explained = agg.explanation === null ? null : samples[agg.explanation];
  if (explained === undefined) throw new Error(`verify: the aggregate's explanation ${agg.explanation} is not among the ${samples.length} samples`);
  const expl = explained === null ? null : explained.parse;
  const steps: FinalStep[] = Array.from({ length: stepCount }, (_, index) => {
    const agreement = agg.steps[index];
    if (agreement === undefined) throw new Error(`verify: the aggregate has ${agg.steps.length} steps, the trace ${stepCount}`);
    return { index, verdict: agreement.verdict, critique: expl?.ok ? (expl.steps[index]?.critique ?? "") : "" };
  });
  return { source: "aggregate", steps, firstError: agg.firstError, outcome: agg.outcome.verdict, summary: expl?.ok ? expl.summary : "" };
}
