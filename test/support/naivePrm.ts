/**
 * The naive reference for one-pass PRM scoring: every step evaluated on its own, from an empty
 * sequence, over exactly the prefix that step's read depends on. Used by tests (one-pass must agree)
 * and by bench/engine (the cost one pass saves).
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { PrmPlan } from "../../src/engines/prm/plan";

export interface NaiveResult {
  /** Logit margin (positive − negative, log-sum-exp'd) per step, in step order. */
  margins: number[];
  /** Tokens evaluated in all. */
  evaluatedTokens: number;
}

function lse(logits: ReadonlyMap<Token, number>, ids: readonly Token[]): number {
  const xs = ids.map((t) => logits.get(t) ?? Number.NEGATIVE_INFINITY);
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

async function readLast(sequence: LlamaContextSequence, tokens: readonly Token[], filter: Token[]): Promise<ReadonlyMap<Token, number>> {
  await sequence.clearHistory();
  const last = tokens.length - 1;
  const out = await sequence.controlledEvaluate(tokens.map((t, i) => (i === last ? [t, { generateNext: { logits: { filter: { tokens: filter } } } }] : t)));
  const logits = out[last]?.next.logits;
  if (!logits) throw new Error("no logits");
  return logits;
}

export async function naivePerPrefix(sequence: LlamaContextSequence, plan: PrmPlan): Promise<NaiveResult> {
  const filter = [...new Set([...plan.positive, ...plan.negative])];
  const byStep = new Map<number, number>();
  let evaluatedTokens = 0;
  for (const r of plan.reads) {
    const prefix = plan.tokens.slice(0, r.position + 1);
    const logits = await readLast(sequence, prefix, filter);
    evaluatedTokens += prefix.length;
    byStep.set(r.step, lse(logits, plan.positive) - lse(logits, plan.negative));
  }
  for (const b of plan.branches) {
    const tokens = [...plan.tokens.slice(0, b.forkAt), ...b.suffix];
    const logits = await readLast(sequence, tokens, filter);
    evaluatedTokens += tokens.length;
    byStep.set(b.step, lse(logits, plan.positive) - lse(logits, plan.negative));
  }
  await sequence.clearHistory();
  return { margins: [...byStep.keys()].sort((a, b) => a - b).map((k) => byStep.get(k)!), evaluatedTokens };
}

/** Input + output tokens metered on these sequences since `before` (output = positions that produced logits). */
export function meterSnapshot(sequences: readonly LlamaContextSequence[]): () => { input: number; output: number } {
  const start = sequences.map((s) => ({ sequence: s, state: s.tokenMeter.getState() }));
  return () => {
    let input = 0;
    let output = 0;
    start.forEach(({ sequence, state }) => {
      const d = sequence.tokenMeter.diff(state);
      input += d.usedInputTokens;
      output += d.usedOutputTokens;
    });
    return { input, output };
  };
}
