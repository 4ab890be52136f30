/**
 * Runs a token plan on one sequence with prefix reuse: only tokens from the first one that changed
 * (or whose logits are not known yet) are evaluated.
 *
 * Two things are reused:
 * - the KV cache the sequence already holds (`compareContextTokens` → erase the rest → evaluate
 *   only the tail), and
 * - the label logits read earlier on this sequence: the logits after position p depend only on
 *   tokens 0..p, so a read whose prefix is unchanged is taken from memory instead of re-evaluating
 *   from it (node-llama-cpp does not keep logits of evaluated tokens).
 * Branches (a suffix evaluated on top of the KV cache at `forkAt`, read after its last token, then
 * erased) are evaluated while walking along the shared tokens, so the shared tokens are evaluated
 * once. Only FILTERED logits of the label tokens are requested, never full probability maps.
 *
 * Evaluation goes in chunks of the context's batch size: between chunks cancellation is checked
 * and progress reported. No `vscode` import.
 */
import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from "node-llama-cpp";
import { throwIfAborted } from "../../core/errors";
import type { RunOptions } from "../../core/progress";

export interface EvalBranch {
  forkAt: number;
  suffix: readonly Token[];
}

export interface EvalPlan {
  tokens: readonly Token[];
  /** Positions whose next-token logits are wanted. */
  reads: readonly number[];
  branches: readonly EvalBranch[];
  /** The token ids whose logits are returned at each read. */
  filter: readonly Token[];
  /** Also return the top logit and the total logit weight (for log-probabilities over the whole vocabulary). */
  totals?: boolean;
}

export interface ReadOut {
  /** Logits of the filter tokens (plus the top token when `totals`). */
  logits: ReadonlyMap<Token, number>;
  /** Σ exp(logit − max logit) over the vocabulary, when `totals`. */
  totalLogitWeight?: number;
}

export interface EvalResult {
  reads: ReadOut[];
  branches: ReadOut[];
  /** Tokens run through the model (shared tail + branch suffixes). */
  evaluatedTokens: number;
  /** Shared tokens whose KV state was reused. */
  reusedTokens: number;
}

interface Memo {
  key: string;
  tokens: readonly Token[];
  reads: Map<number, ReadOut>;
  branches: Map<string, ReadOut>;
}

const branchKey = (b: EvalBranch) => `${b.forkAt}:${b.suffix.join(",")}`;

function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class PrefixCache {
  private readonly memos = new WeakMap<LlamaContextSequence, Memo>();

  /** Forget what is known about a sequence's logits (call after using it for anything else). */
  forget(sequence: LlamaContextSequence): void {
    this.memos.delete(sequence);
  }

  /** How many of `tokens` the sequence already holds (for choosing a sequence). */
  static reusable(sequence: LlamaContextSequence, tokens: readonly Token[]): number {
    return sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex;
  }

  async evaluate(sequence: LlamaContextSequence, plan: EvalPlan, opts: RunOptions & { chunkSize?: number } = {}): Promise<EvalResult> {
    const { tokens } = plan;
    const key = `${[...plan.filter].sort((a, b) => a - b).join(",")}|${plan.totals ? 1 : 0}`;
    const old = this.memos.get(sequence);
    const memo = old && old.key === key ? old : undefined;
    this.memos.delete(sequence); // rewritten below; stale if anything throws half-way
    const known = memo ? commonPrefix(memo.tokens, tokens) : 0;

    const readNeeded = (p: number) => !(memo && p < known && memo.reads.has(p));
    const branchNeeded = (b: EvalBranch) => !(memo && b.forkAt <= known && memo.branches.has(branchKey(b)));

    const kvCommon = Math.min(PrefixCache.reusable(sequence, tokens), tokens.length);
    let start = kvCommon;
    for (const p of plan.reads) if (p < start && readNeeded(p)) start = p;
    for (const b of plan.branches) if (b.forkAt < start && branchNeeded(b)) start = b.forkAt;
    if (sequence.nextTokenIndex > start) await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);

    const readAt = new Set(plan.reads.filter((p) => p >= start && readNeeded(p)));
    const readResults = new Map<number, ReadOut>();
    const branchResults = new Map<string, ReadOut>();
    const branchesToRun = plan.branches.filter(branchNeeded).sort((a, b) => a.forkAt - b.forkAt);
    const chunkSize = Math.max(1, opts.chunkSize ?? sequence.context.batchSize);
    const totalWork = tokens.length - start + branchesToRun.reduce((n, b) => n + b.suffix.length, 0);
    let evaluated = 0;
    // includeTop: 1 gives the max logit (includeMax is broken in node-llama-cpp 3.22.1).
    const options = plan.totals
      ? { logits: { filter: { tokens: plan.filter, includeTop: 1 } }, totalLogitWeight: true }
      : { logits: { filter: { tokens: plan.filter } } };
    const progress = () => opts.onProgress?.({ done: evaluated, total: totalWork, message: "scoring" });

    const run = async (items: readonly Token[], base: number, wanted: (p: number) => boolean, onRead: (p: number, out: ReadOut) => void) => {
      for (let i = 0; i < items.length; i += chunkSize) {
        throwIfAborted(opts.signal);
        const chunk = items.slice(i, i + chunkSize);
        const input: ControlledEvaluateInputItem[] = chunk.map((t, k) => (wanted(base + i + k) ? [t, { generateNext: options }] : t));
        const out = await sequence.controlledEvaluate(input);
        out.forEach((o, k) => {
          if (o?.next.logits) onRead(base + i + k, { logits: o.next.logits, totalLogitWeight: o.next.totalLogitWeight });
        });
        evaluated += chunk.length;
        progress();
      }
    };

    let cursor = start;
    for (const b of branchesToRun) {
      await run(
        tokens.slice(cursor, b.forkAt),
        cursor,
        (p) => readAt.has(p),
        (p, o) => readResults.set(p, o),
      );
      cursor = b.forkAt;
      const last = b.forkAt + b.suffix.length - 1;
      await run(
        b.suffix,
        b.forkAt,
        (p) => p === last,
        (_, o) => branchResults.set(branchKey(b), o),
      );
      await sequence.eraseContextTokenRanges([{ start: b.forkAt, end: sequence.nextTokenIndex }]);
    }
    await run(
      tokens.slice(cursor),
      cursor,
      (p) => readAt.has(p),
      (p, o) => readResults.set(p, o),
    );

    // Remember what this sequence now knows (its KV holds exactly `tokens`).
    const next: Memo = { key, tokens: [...tokens], reads: new Map(), branches: new Map() };
    const reads = plan.reads.map((p) => {
      const out = readResults.get(p) ?? memo?.reads.get(p);
      if (!out) throw new Error(`internal: no logits for position ${p}`);
      next.reads.set(p, out);
      return out;
    });
    const branches = plan.branches.map((b) => {
      const out = branchResults.get(branchKey(b)) ?? memo?.branches.get(branchKey(b));
      if (!out) throw new Error(`internal: no logits for the branch at ${b.forkAt}`);
      next.branches.set(branchKey(b), out);
      return out;
    });
    this.memos.set(sequence, next);
    return { reads, branches, evaluatedTokens: evaluated, reusedTokens: start };
  }
}
