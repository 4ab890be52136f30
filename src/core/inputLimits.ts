/**
 * Length checks that run before any tokenizer does. Tokenizing a 20 MB step just to learn that it
 * does not fit a 4,096-token context costs gigabytes of memory; counting characters costs nothing.
 *
 * The bound: no tokenizer StepLens runs packs more than MAX_CHARS_PER_TOKEN characters into one token
 * on average over a whole text (real vocabularies average 3 to 5 characters per token on prose and
 * maths; their longest tokens are runs of spaces or symbols, far below this), so a text of more than
 * `contextSize × MAX_CHARS_PER_TOKEN` characters cannot fit the context, whatever the model. Texts
 * below the bound are tokenized and checked exactly, as before. No `vscode` import.
 */
import { StepLensError } from "./errors";

export const MAX_CHARS_PER_TOKEN = 64;

/** The most characters a text may have and still possibly fit `contextSize` tokens. */
export function maxCharsForContext(contextSize: number): number {
  return Math.max(1, Math.floor(contextSize)) * MAX_CHARS_PER_TOKEN;
}

export interface TooLong {
  /** 0-based step index, or null for the problem text (or the whole trace, see `whole`). */
  step: number | null;
  /** True when no single part is too long but all of them together are. */
  whole: boolean;
  chars: number;
  limit: number;
}

/** The first part of a trace (problem, then steps, then the whole) that cannot fit `contextSize` tokens; null when none. */
export function findTooLong(problem: string, steps: readonly string[], contextSize: number): TooLong | null {
  const limit = maxCharsForContext(contextSize);
  if (problem.length > limit) return { step: null, whole: false, chars: problem.length, limit };
  let total = problem.length;
  for (const [i, step] of steps.entries()) {
    const n = step.length;
    if (n > limit) return { step: i, whole: false, chars: n, limit };
    total += n;
  }
  return total > limit ? { step: null, whole: true, chars: total, limit } : null;
}

/**
 * The error for a part that is too long: `file:line: step 3 is 20000000 characters; a 4096-token
 * context holds at most 262144 (…)`, code "too-long". `line` is the step's 1-based line when known.
 */
export function tooLongError(t: TooLong, contextSize: number, where: { file?: string; line?: number; what?: string } = {}): StepLensError {
  const what = where.what ?? (t.whole ? "the trace" : t.step === null ? "the problem" : `step ${t.step + 1}`);
  return new StepLensError(
    `${what} is ${t.chars} characters; a ${contextSize}-token context holds at most ${t.limit} (${MAX_CHARS_PER_TOKEN} characters per token at the very most), so it was not tokenized.`,
    {
      ...(where.file ? { file: where.file } : {}),
      ...(where.line !== undefined ? { line: where.line } : {}),
      code: "too-long",
      hint: "Split the step or the trace, or raise steplens.local.contextSize (CLI: --context-size).",
    },
  );
}

/** Throws the `tooLongError` of the first part that cannot fit. */
export function checkFitsContext(
  problem: string,
  steps: readonly string[],
  contextSize: number,
  where: { file?: string; lineOf?: (step: number) => number | undefined } = {},
): void {
  const t = findTooLong(problem, steps, contextSize);
  if (t) throw tooLongError(t, contextSize, { file: where.file, line: t.step !== null ? where.lineOf?.(t.step) : undefined });
}

/** "file: no steps found …" (code "no-steps"): nothing to score is not the same as "no error". */
export function noStepsError(where: { file?: string; line?: number; what?: string } = {}): StepLensError {
  return new StepLensError(`no steps: ${where.what ?? "the trace"} has no step to score.`, {
    ...(where.file ? { file: where.file } : {}),
    ...(where.line !== undefined ? { line: where.line } : {}),
    code: "no-steps",
    hint: "A trace is split into steps by 'Step N:' markers, numbered lines or paragraphs; check that this is the file you meant.",
  });
}
