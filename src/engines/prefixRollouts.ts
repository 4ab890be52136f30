/**
 * Rollouts after every boundary of one text (see PrefixRolloutRequest), for any engine: the prompt
 * of boundary k, and the uncached fallback that sends each boundary's prompt with `engine.rollouts`.
 * The fallback is correct but evaluates every prefix once per request (an endpoint's own prefix
 * cache may share some of that work; the counts report the tokens sent). The local engine has its
 * own implementation that evaluates the text once and forks it (src/engines/local/prefixRollouts.ts).
 * No `vscode` import.
 */
import { CancelledError } from "../core/errors";
import type { RunOptions } from "../core/progress";
import type { Engine, Generation, ModelRole, PrefixRolloutRequest, PrefixRollouts, Prompt } from "./engine";

/** The prompt of boundary k: the head continued by the first k segments. */
export function boundaryPrompt(head: Prompt, segments: readonly string[], k: number): Prompt {
  const text = segments.slice(0, k).join("");
  if (typeof head === "string") return head + text;
  const last = head.at(-1);
  if (last?.role === "assistant") return [...head.slice(0, -1), { role: "assistant", content: last.content + text }];
  return [...head, { role: "assistant", content: text }];
}

/** The text of a prompt (a chat's message contents, without any template). */
export function promptText(prompt: Prompt): string {
  return typeof prompt === "string" ? prompt : prompt.map((m) => m.content).join("\n");
}

async function tokensOf(engine: Engine, text: string, role: ModelRole, opts: RunOptions): Promise<number> {
  if (!text) return 0;
  try {
    return await engine.countTokens(text, role, opts);
  } catch (e) {
    if (e instanceof CancelledError || opts.signal?.aborted) throw e;
    return Math.ceil(text.length / 4); // an endpoint that cannot count: a rough estimate
  }
}

/** `n` rollouts per boundary through `engine.rollouts`, one request per boundary, all at once. */
export async function prefixRolloutsViaRollouts(engine: Engine, req: PrefixRolloutRequest, opts: RunOptions = {}): Promise<PrefixRollouts> {
  const n = Math.max(1, Math.floor(req.n ?? 1));
  const boundaries = req.segments.length + 1;
  const headTokens = await tokensOf(engine, promptText(req.head), req.role, opts);
  const segmentTokens: number[] = [];
  for (const s of req.segments) segmentTokens.push(await tokensOf(engine, s, req.role, opts));
  const { head, segments, prefixReuse: _reuse, firstBoundary, ...sampling } = req;
  const first = Math.max(0, Math.min(boundaries, Math.floor(firstBoundary ?? 0)));
  const total = (boundaries - first) * n;
  let done = 0;
  const rollouts: Generation[][] = await Promise.all(
    Array.from({ length: boundaries }, (_, k) =>
      k < first
        ? Promise.resolve([])
        : engine
            .rollouts(
              { ...sampling, role: req.role, n, prefix: boundaryPrompt(head, segments, k) },
              {
                signal: opts.signal,
                onProgress: () => undefined,
              },
            )
            .then((gens) => {
              done += gens.length;
              opts.onProgress?.({ done, total, message: "rollouts" });
              return gens;
            }),
    ),
  );
  let prefixTokensEvaluated = 0;
  // Boundary 0 holds the head; boundary k > 0 the head and segments 0..k-1.
  let boundaryTokens = headTokens;
  if (first <= 0) prefixTokensEvaluated += n * boundaryTokens;
  for (const [j, tokens] of segmentTokens.entries()) {
    boundaryTokens += tokens;
    if (j + 1 >= first) prefixTokensEvaluated += n * boundaryTokens;
  }
  return {
    rollouts,
    prefixTokensEvaluated,
    traceTokens: headTokens + segmentTokens.reduce((a, b) => a + b, 0),
    rolloutTokens: rollouts.flat().reduce((a, g) => a + g.tokens, 0),
  };
}
