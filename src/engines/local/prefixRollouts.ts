/**
 * Rollouts after every boundary of one text on the local engine (PAV progress), with the text
 * evaluated ONCE:
 *
 * 1. One sequence (the trace sequence) evaluates head + all segments in one pass, reading the full
 *    next-token logits at the last token of every boundary (the only logits a rollout needs that a
 *    fork does not carry).
 * 2. Every rollout of boundary k runs on another granted sequence: `forkPrefix` gives it the first
 *    b_k tokens of the trace sequence (KV cells shared, nothing re-evaluated), its first token is
 *    sampled from the stored logits with its own seed (firstTokenSampler.ts), and the native sampler
 *    generates the rest. All rollouts of all boundaries form one queue over the granted sequences,
 *    so they run in parallel and their decodes are batched together.
 * 3. With a single sequence, the boundaries go from the last to the first on the trace sequence:
 *    each rollout is appended and erased again, and the trace is cut back to the next boundary.
 *
 * `prefixReuse: "reevaluate"` evaluates every rollout's prefix from scratch instead (the baseline
 * the benchmark and the fork-correctness test compare against; same seeds, same sampler).
 * Segment tokens are tokenized one segment at a time, so each boundary is an exact token index.
 * No `vscode` import.
 */
import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { throwIfAborted } from "../../core/errors";
import type { RunOptions } from "../../core/progress";
import type { Generation, PrefixRolloutRequest, PrefixRollouts } from "../engine";
import { contextTooSmall } from "../errors";
import { sampleFromLogits, seededRandom } from "./firstTokenSampler";
import { forkPrefix } from "./fork";
import type { SequencePool } from "./sequencePool";

export interface PrefixRolloutTarget {
  model: LlamaModel;
  pool: SequencePool;
  /** The head's tokens (BOS as the model wants) and its plain-text stop strings. */
  head: { tokens: Token[]; stops: string[] };
  /** Called for every sequence used (its remembered logits no longer describe its KV state). */
  forget(sequence: LlamaContextSequence): void;
}

const DEFAULT_MAX_TOKENS = 512;

interface Task {
  boundary: number;
  sample: number;
}

export async function runPrefixRollouts(target: PrefixRolloutTarget, req: PrefixRolloutRequest, opts: RunOptions = {}): Promise<PrefixRollouts> {
  const { model, pool } = target;
  const n = Math.max(1, Math.floor(req.n ?? 1));
  const tokens: Token[] = [...target.head.tokens];
  const ends: [number, ...number[]] = [tokens.length];
  for (const s of req.segments) {
    for (const t of model.tokenize(s)) tokens.push(t); // not push(...): a long segment's tokens would overflow the stack
    ends.push(tokens.length);
  }
  if (ends[0] === 0) throw new Error("the rollout head is empty.");
  if (tokens.length + 1 > pool.contextSize) throw contextTooSmall("the trace with its rollout head", tokens.length + 1, pool.contextSize);
  const boundaries = ends.length;
  const maxTokens = req.maxTokens ?? DEFAULT_MAX_TOKENS;
  const temperature = req.temperature ?? 0;
  const topP = req.topP ?? 1;
  const seed = req.seed ?? Math.floor(Math.random() * 2 ** 31);
  const stops = [...(req.stop ?? []).filter((s) => s !== ""), ...target.head.stops];
  const results: Generation[][] = Array.from({ length: boundaries }, () => new Array<Generation>(n));
  const tasks: Task[] = [];
  const first = Math.max(0, Math.min(boundaries, Math.floor(req.firstBoundary ?? 0)));
  for (let k = first; k < boundaries; k++) for (let i = 0; i < n; i++) tasks.push({ boundary: k, sample: i });
  let prefixTokensEvaluated = 0;
  let done = 0;
  const progress = () => opts.onProgress?.({ done, total: tasks.length, message: "rollouts" });
  // Every task's boundary is one of ends (one per boundary, as results has rows): boundary < ends.length.
  const endOf = (boundary: number): number => {
    const end = ends[boundary];
    if (end === undefined) throw new Error(`internal: rollout boundary ${boundary} is not one of the ${ends.length} boundaries`);
    return end;
  };
  const finish = (t: Task, g: Generation) => {
    const row = results[t.boundary];
    if (row === undefined) throw new Error(`internal: rollout boundary ${t.boundary} has no result row (${results.length} rows)`);
    row[t.sample] = g;
    done++;
    progress();
  };
  const fork = req.prefixReuse !== "reevaluate";

  await pool.use(
    async (sequences) => {
      for (const s of sequences) target.forget(s);
      if (!fork) {
        await queue(tasks, sequences, async (seq, t) => {
          const end = endOf(t.boundary);
          await clear(seq);
          const [logits] = await evaluateWithReads(seq, tokens.slice(0, end), [end - 1], opts);
          if (logits === undefined) throw new Error(`internal: evaluating boundary ${t.boundary} returned no logits`);
          prefixTokensEvaluated += end;
          finish(t, await generate(seq, logits, t));
        });
        return;
      }
      const [trace, ...workers] = sequences;
      const start = Math.min(trace.compareContextTokens(tokens).firstDifferentIndex, ends[0] - 1);
      if (trace.nextTokenIndex > start) await trace.eraseContextTokenRanges([{ start, end: trace.nextTokenIndex }]);
      opts.onProgress?.({ done: 0, total: tasks.length, message: "evaluating the trace" });
      const logits = await evaluateWithReads(
        trace,
        tokens.slice(start),
        ends.map((e) => e - 1 - start),
        opts,
      );
      prefixTokensEvaluated += tokens.length - start;
      // One logits map per boundary (a read at each end), in boundary order.
      const logitsOf = (boundary: number): ReadonlyMap<Token, number> => {
        const read = logits[boundary];
        if (read === undefined) throw new Error(`internal: the trace evaluation returned ${logits.length} reads for ${ends.length} boundaries`);
        return read;
      };
      if (workers.length === 0) {
        // One sequence: last boundary first, each rollout appended and erased, then cut back.
        for (let k = boundaries - 1; k >= first; k--) {
          for (let i = 0; i < n; i++) {
            throwIfAborted(opts.signal);
            await cutTo(trace, endOf(k));
            finish({ boundary: k, sample: i }, await generate(trace, logitsOf(k), { boundary: k, sample: i }));
          }
        }
        await cutTo(trace, ends[0]);
        return;
      }
      await queue(tasks, workers, async (seq, t) => {
        await forkPrefix(trace, seq, endOf(t.boundary));
        finish(t, await generate(seq, logitsOf(t.boundary), t));
      });
    },
    { signal: opts.signal, count: Math.min(pool.size, (fork ? 1 : 0) + tasks.length), prefer: (s) => s.compareContextTokens(tokens).firstDifferentIndex },
  );
  throwIfAborted(opts.signal);
  for (let k = 0; k < first; k++) results[k] = [];
  for (const row of results.slice(first)) for (let i = 0; i < n; i++) row[i] ??= { text: "", finishReason: "cancelled", tokens: 0 };
  return {
    rollouts: results,
    prefixTokensEvaluated,
    traceTokens: tokens.length,
    rolloutTokens: results.flat().reduce((a, g) => a + g.tokens, 0),
  };

  /** Runs the tasks over the sequences, each sequence taking the next task when it is free. */
  async function queue(all: Task[], seqs: readonly LlamaContextSequence[], run: (seq: LlamaContextSequence, t: Task) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    // allSettled: no sequence may still be running when the lease is released.
    const settled = await Promise.allSettled(
      seqs.map(async (seq) => {
        while (next < all.length && !failed) {
          throwIfAborted(opts.signal);
          const task = all[next++]; // next < all.length: checked just above, with no await in between
          if (task === undefined) throw new Error(`internal: rollout task ${next - 1} of ${all.length} is missing`);
          try {
            await run(seq, task);
          } catch (e) {
            failed = true;
            throw e;
          }
        }
      }),
    );
    const error = settled.find((r) => r.status === "rejected");
    if (error) throw (error as PromiseRejectedResult).reason;
  }

  /** One rollout on `seq`, which holds exactly the boundary's tokens; `logits` are those after its last token. */
  async function generate(seq: LlamaContextSequence, logits: ReadonlyMap<Token, number>, t: Task): Promise<Generation> {
    const rolloutSeed = seed + t.sample;
    const first = sampleFromLogits(logits, temperature, topP, seededRandom(rolloutSeed)) as Token;
    if (model.isEogToken(first)) return { text: "", finishReason: "stop", tokens: 0 };
    const held = endOf(t.boundary);
    const out: Token[] = [first];
    let finishReason: Generation["finishReason"] = "length";
    const evaluation = seq.evaluate([first], { temperature, topP, topK: 0, minP: 0, seed: rolloutSeed });
    try {
      for (;;) {
        if (stops.length && firstStop(model.detokenize(out), stops) >= 0) {
          finishReason = "stop";
          break;
        }
        // The next call evaluates the last token: it must fit in the sequence.
        if (out.length >= maxTokens || held + out.length >= pool.contextSize) break;
        if (opts.signal?.aborted) {
          finishReason = "cancelled";
          break;
        }
        const r = await evaluation.next();
        if (r.done || model.isEogToken(r.value)) {
          finishReason = "stop";
          break;
        }
        out.push(r.value);
      }
    } finally {
      await evaluation.return();
    }
    let text = model.detokenize(out);
    const at = stops.length ? firstStop(text, stops) : -1;
    if (at >= 0) text = text.slice(0, at);
    return { text, finishReason, tokens: out.length };
  }
}

function firstStop(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

async function clear(seq: LlamaContextSequence): Promise<void> {
  if (seq.nextTokenIndex > 0) await seq.eraseContextTokenRanges([{ start: 0, end: seq.nextTokenIndex }]);
}

async function cutTo(seq: LlamaContextSequence, length: number): Promise<void> {
  if (seq.nextTokenIndex > length) await seq.eraseContextTokenRanges([{ start: length, end: seq.nextTokenIndex }]);
}

/**
 * Appends `tokens` to `seq` in chunks of the batch size (cancellation checked between chunks) and
 * returns the full next-token logits after each position in `reads` (relative to `tokens`).
 */
async function evaluateWithReads(
  seq: LlamaContextSequence,
  tokens: readonly Token[],
  reads: readonly number[],
  opts: RunOptions,
): Promise<ReadonlyMap<Token, number>[]> {
  const wanted = new Map(reads.map((p, i) => [p, i]));
  const out: ReadonlyMap<Token, number>[] = new Array(reads.length);
  const chunk = Math.max(1, seq.context.batchSize);
  for (let i = 0; i < tokens.length; i += chunk) {
    throwIfAborted(opts.signal);
    const part = tokens.slice(i, i + chunk);
    const input: ControlledEvaluateInputItem[] = part.map((t, j) => (wanted.has(i + j) ? [t, { generateNext: { logits: true } }] : t));
    const res = await seq.controlledEvaluate(input);
    res.forEach((r, j) => {
      const at = wanted.get(i + j);
      if (at !== undefined && r?.next.logits) out[at] = r.next.logits;
    });
  }
  for (let i = 0; i < reads.length; i++) if (!out[i]) throw new Error(`internal: no logits at position ${reads[i]}`);
  return out;
}
