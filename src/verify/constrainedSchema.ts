/**
 * JSON-schema-constrained verification, for small local models that cannot hold a free-text format:
 * the engine's grammar only lets the model write verdicts from an enum, step keys that exist and
 * critiques of bounded length. Also the parser for that JSON (used by verdictParser).
 *
 * Shapes (every key required, no extra keys, so the schema also works in OpenAI strict mode):
 * - step formats (spark, thinkprm):
 *   {"steps": {"step_1": {"critique": "…", "verdict": "correct"|"incorrect"}, …}, "answerCorrect": "yes"|"no"}
 *   Steps are object keys rather than array items so that each verdict is tied to its step.
 * - critic format (processbench): {"critique": "…", "firstError": -1|0|…|N-1} (an enum: grammars
 *   leave plain integers unbounded).
 */
import {
  contradictionWarnings,
  firstErrorFromVerdicts,
  type OutcomeVerdict,
  type ParsedStep,
  type VerdictFormat,
  type VerificationParse,
} from "./verification";

export interface ConstrainedOptions {
  /** Longest critique per step, in characters (default 300). */
  maxCritiqueChars?: number;
}

export const DEFAULT_MAX_CRITIQUE_CHARS = 300;

export function stepKey(index: number): string {
  return `step_${index + 1}`;
}

/** The JSON schema for a trace of `stepCount` steps in the given format. */
export function verificationSchema(format: VerdictFormat, stepCount: number, opts: ConstrainedOptions = {}): object {
  const maxLength = opts.maxCritiqueChars ?? DEFAULT_MAX_CRITIQUE_CHARS;
  if (format === "processbench") {
    return {
      type: "object",
      properties: {
        critique: { type: "string", maxLength: maxLength * Math.max(1, Math.min(stepCount, 8)) },
        firstError: { enum: [-1, ...Array.from({ length: stepCount }, (_, i) => i)] },
      },
      required: ["critique", "firstError"],
      additionalProperties: false,
    };
  }
  const steps: Record<string, object> = {};
  for (let i = 0; i < stepCount; i++)
    steps[stepKey(i)] = {
      type: "object",
      properties: { critique: { type: "string", maxLength }, verdict: { enum: ["correct", "incorrect"] } },
      required: ["critique", "verdict"],
      additionalProperties: false,
    };
  return {
    type: "object",
    properties: {
      steps: { type: "object", properties: steps, required: Object.keys(steps), additionalProperties: false },
      answerCorrect: { enum: ["yes", "no"] },
    },
    required: ["steps", "answerCorrect"],
    additionalProperties: false,
  };
}

/**
 * Tokens node-llama-cpp's JSON grammar adds after the value: it requires four line breaks after the
 * JSON (its stop trigger), which are generated (then trimmed) like any other token.
 */
export const GRAMMAR_END_TOKENS = 4;

const encoder = new TextEncoder();
function utf8Bytes(s: string): number {
  return encoder.encode(s).length;
}

/** Bytes of the longest line break + indentation node-llama-cpp's grammar allows at nesting `scope` ("\n" + 4 spaces per level). */
function whitespaceBytes(scope: number): number {
  return 1 + 4 * scope;
}

/**
 * The most bytes a JSON value of `schema` can take under the grammar node-llama-cpp
 * (3.22) compiles it to: every whitespace slot at its longest (a line break and 4 spaces per level,
 * or one space), every string character at its longest (a `\uXXXX` escape: 6 bytes). A token is at
 * least one byte (llama.cpp's grammar sampler refuses empty pieces), so this bounds the tokens too.
 * Covers the subset StepLens's verdict schemas use: objects whose properties are all required and
 * no others, strings with a maxLength, enums.
 */
export function worstCaseJsonBytes(schema: object, scope = 0): number {
  const s = schema as { type?: string; enum?: unknown[]; maxLength?: number; properties?: Record<string, object> };
  if (Array.isArray(s.enum)) return Math.max(...s.enum.map((v) => utf8Bytes(JSON.stringify(v))));
  if (s.type === "string") {
    if (typeof s.maxLength !== "number") throw new Error("worstCaseJsonBytes: a string without maxLength is unbounded");
    return 2 + 6 * s.maxLength;
  }
  if (s.type === "object" && s.properties) {
    const entries = Object.entries(s.properties);
    const inner = scope + 1;
    let bytes = 2 + whitespaceBytes(inner) + whitespaceBytes(scope); // { ws … ws }
    entries.forEach(([key, value], i) => {
      if (i > 0) bytes += 1 + whitespaceBytes(inner); // , ws
      bytes += utf8Bytes(JSON.stringify(key)) + 2 + worstCaseJsonBytes(value, inner); // "key": value
    });
    return bytes;
  }
  throw new Error(`worstCaseJsonBytes: unsupported schema ${JSON.stringify(schema).slice(0, 80)}`);
}

/** The most tokens a constrained verification of `stepCount` steps can take: it always closes within this limit. */
export function constrainedTokenBudget(format: VerdictFormat, stepCount: number, maxCritiqueChars: number): number {
  return worstCaseJsonBytes(verificationSchema(format, stepCount, { maxCritiqueChars })) + GRAMMAR_END_TOKENS;
}

/**
 * The longest critique (characters per step, at most `cap`) whose constrained verification always
 * closes within `maxTokens`; null when not even empty critiques fit (the JSON's structure alone is longer).
 */
export function critiqueCharsFor(format: VerdictFormat, stepCount: number, maxTokens: number, cap: number): number | null {
  const base = constrainedTokenBudget(format, stepCount, 0);
  if (base > maxTokens) return null;
  const perChar = constrainedTokenBudget(format, stepCount, 1) - base;
  let chars = Math.min(cap, Math.floor((maxTokens - base) / perChar));
  while (chars > 0 && constrainedTokenBudget(format, stepCount, chars) > maxTokens) chars--; // the processbench critique's length is a product
  return chars;
}

/** Text appended to the prompt in constrained mode, describing the JSON to write. */
export function constrainedInstructions(format: VerdictFormat, stepCount: number, opts: ConstrainedOptions = {}): string {
  const maxLength = opts.maxCritiqueChars ?? DEFAULT_MAX_CRITIQUE_CHARS;
  if (format === "processbench")
    return [
      "Answer with one JSON object and nothing else:",
      `{"critique": "<your review, at most ${maxLength * Math.max(1, Math.min(stepCount, 8))} characters>", "firstError": <index of the earliest wrong paragraph, 0 to ${stepCount - 1}, or -1 if all are correct>}`,
    ].join("\n");
  return [
    "Answer with one JSON object and nothing else:",
    `{"steps": {"step_1": {"critique": "<at most ${maxLength} characters>", "verdict": "correct" or "incorrect"}, …, "step_${stepCount}": {…}}, "answerCorrect": "yes" or "no"}`,
    `Give every step from step_1 to step_${stepCount}, in order.`,
  ].join("\n");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function verdictOf(v: unknown): "correct" | "incorrect" | null {
  if (typeof v === "boolean") return v ? "correct" : "incorrect";
  if (typeof v !== "string") return null;
  const s = v.trim().toLowerCase();
  if (s === "correct") return "correct";
  if (s === "incorrect") return "incorrect";
  return null;
}

function outcomeOf(v: unknown): OutcomeVerdict | null {
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "string") return null;
  const s = v.trim().toLowerCase();
  return s === "yes" ? "yes" : s === "no" ? "no" : null;
}

/** Removes a Markdown code fence around the JSON, if any. */
function unfence(text: string): string {
  const [, fenced] = /^```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text.trim()) ?? [];
  return fenced ?? text.trim();
}

/**
 * Parses a constrained verification. `visible` is the output with thinking already removed.
 * Returns null when the text is not a JSON object at all (the caller then tries the text formats),
 * unless `required` is set, in which case that is reported as malformed.
 */
export function parseConstrained(
  visible: string,
  opts: { stepCount: number; format: VerdictFormat; required: boolean; thinking: string | null; truncated: boolean },
): VerificationParse | null {
  const base = { thinking: opts.thinking, truncated: opts.truncated };
  let value: unknown;
  try {
    value = JSON.parse(unfence(visible));
  } catch (e) {
    if (!opts.required) return null;
    const cut = opts.truncated ? " (the output was cut at the token limit)" : "";
    return { ok: false, reason: `invalid JSON${cut}: ${(e as Error).message}`, warnings: [], ...base };
  }
  if (!isRecord(value)) {
    if (!opts.required) return null;
    return { ok: false, reason: "the JSON is not an object", warnings: [], ...base };
  }
  const warnings: string[] = [];
  const steps: ParsedStep[] = Array.from({ length: opts.stepCount }, (_, index) => ({ index, verdict: "not-given" as const, critique: "" }));

  if ("firstError" in value && !("steps" in value)) {
    const fe = value.firstError;
    if (typeof fe !== "number" || !Number.isInteger(fe) || fe < -1 || fe >= opts.stepCount)
      return { ok: false, reason: `firstError ${JSON.stringify(fe)} is not an index from -1 to ${opts.stepCount - 1}`, warnings, ...base };
    const summary = typeof value.critique === "string" ? value.critique.trim() : "";
    // The critic names the earliest wrong paragraph; it says nothing directly about the final answer.
    return { ok: true, via: "json", steps, finalVerdict: null, boxedIndex: fe, firstError: fe, summary, warnings, ...base };
  }

  const raw = value.steps;
  let given = 0;
  const setStep = (index: number, entry: unknown, label: string) => {
    if (!Number.isInteger(index) || index < 0 || index >= opts.stepCount) {
      warnings.push(`${label} is ${Number.isInteger(index) ? "outside" : "not a whole step of"} the trace's ${opts.stepCount} steps; ignored`);
      return;
    }
    if (!isRecord(entry)) {
      warnings.push(`${label} is not an object; no verdict`);
      return;
    }
    const previous = steps[index];
    if (previous === undefined) throw new Error(`internal: ${label}: step ${index + 1} passed the range check but is not in the table`);
    const verdict = verdictOf(entry.verdict);
    if (verdict === null && entry.verdict !== undefined)
      warnings.push(`${label}: verdict ${JSON.stringify(entry.verdict)} is neither "correct" nor "incorrect"`);
    if (previous.verdict !== "not-given" && verdict !== null && previous.verdict !== verdict) {
      warnings.push(`${label}: conflicting verdicts; no verdict kept`);
      steps[index] = { ...previous, verdict: "not-given" };
      return;
    }
    if (verdict) given++;
    steps[index] = {
      index,
      verdict: verdict ?? previous.verdict,
      critique: typeof entry.critique === "string" ? entry.critique.trim() : previous.critique,
    };
  };
  if (isRecord(raw)) {
    for (const [key, entry] of Object.entries(raw)) {
      const [, stepNumber] = /^(?:step)?[_ -]?(\d+)$/i.exec(key) ?? [];
      if (stepNumber === undefined) {
        warnings.push(`unknown key steps.${key}; ignored`);
        continue;
      }
      setStep(Number(stepNumber) - 1, entry, `steps.${key}`);
    }
  } else if (Array.isArray(raw)) {
    raw.forEach((entry, i) => {
      const n = isRecord(entry) && typeof entry.step === "number" ? entry.step : i + 1;
      setStep(n - 1, entry, `steps[${i}]`);
    });
  } else if (raw !== undefined) {
    return { ok: false, reason: '"steps" is neither an object nor an array', warnings, ...base };
  }
  const finalVerdict = outcomeOf(value.answerCorrect);
  if (finalVerdict === null && value.answerCorrect !== undefined)
    warnings.push(`answerCorrect ${JSON.stringify(value.answerCorrect)} is neither "yes" nor "no"`);
  if (given === 0 && finalVerdict === null) return { ok: false, reason: "the JSON holds no step verdict and no answerCorrect", warnings, ...base };
  const missing = steps.filter((s) => s.verdict === "not-given").map((s) => s.index + 1);
  if (missing.length && given > 0) warnings.push(`no verdict for step ${missing.join(", ")}`);
  warnings.push(...contradictionWarnings(steps, finalVerdict, 1));
  return {
    ok: true,
    via: "json",
    steps,
    finalVerdict,
    boxedIndex: null,
    firstError: firstErrorFromVerdicts(steps, finalVerdict),
    summary: "",
    warnings,
    ...base,
  };
}
