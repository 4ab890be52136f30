/**
 * A real engine seen through a recorder: every `generate` call is forwarded unchanged and its
 * outcome kept (the generations, or the error), so a test can assert counted work (tokens
 * generated, how a generation ended) instead of elapsed time. Not a test file itself.
 */
import type { Engine, GenerateRequest, Generation } from "../../src/engines/engine";
import { CancelledError } from "../../src/core/errors";

export interface GenerateOutcome {
  request: GenerateRequest;
  /** The generations, when the call returned. */
  generations?: Generation[];
  /** The error, when the call failed. */
  error?: unknown;
}

export interface RecordingEngine {
  engine: Engine;
  /** Outcomes of the finished generate calls, in the order they finished. */
  outcomes: GenerateOutcome[];
}

export function recordGenerations(inner: Engine): RecordingEngine {
  const outcomes: GenerateOutcome[] = [];
  const generate: Engine["generate"] = async (request, opts) => {
    try {
      const generations = await inner.generate(request, opts);
      outcomes.push({ request, generations });
      return generations;
    } catch (error) {
      outcomes.push({ request, error });
      throw error;
    }
  };
  const engine = new Proxy(inner, {
    get(target, prop) {
      if (prop === "generate") return generate;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { engine, outcomes };
}

/**
 * Whether a generate outcome stopped before `maxTokens`: the call was cancelled (CancelledError) or
 * every generation ended "cancelled" with fewer tokens than asked for. Tokens are counted by the
 * engine, not timed.
 */
export function stoppedEarly(outcome: GenerateOutcome): boolean {
  if (outcome.error !== undefined) return outcome.error instanceof CancelledError;
  const max = outcome.request.maxTokens ?? Infinity;
  return !!outcome.generations?.length && outcome.generations.every((g) => g.finishReason === "cancelled" && g.tokens < max);
}

/** A short description of an outcome for assertion messages. */
export function describeOutcome(outcome: GenerateOutcome | undefined): string {
  if (!outcome) return "no generate call finished";
  if (outcome.error !== undefined) return `failed: ${String((outcome.error as Error)?.message ?? outcome.error)}`;
  return (outcome.generations ?? []).map((g) => `${g.finishReason} after ${g.tokens} of ${outcome.request.maxTokens} tokens`).join("; ");
}
