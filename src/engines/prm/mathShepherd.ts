/**
 * Math-Shepherd style PRM (e.g. math-shepherd-mistral-7b-prm): the input is
 * `"{problem} Step 1: … ки\nStep 2: … ки"`, every step followed by the tag (default `ки`), and the
 * score of step i is the softmax over the labels `+` / `-` of the next-token logits AT the tag
 * (the reference code reads `logits[input_ids == step_tag_id]`). One forward pass scores all steps.
 *
 * Tags and labels that tokenize into several tokens still work:
 * - a multi-token tag is read at its LAST token (the position right before where the label would go);
 * - a multi-token label is represented by its FIRST token (what the model must emit first), as
 *   `tokenizer.encode(label)` without BOS gives in the reference code.
 *
 * Tokenisation: the whole text is tokenized at once, exactly as the reference does. The read
 * positions come from tokenising each step's segment as a continuation (fast path); when that does
 * not reproduce the joined tokens (a merge across a tag boundary), each tag's position is found by
 * tokenising the text up to the tag's end and comparing with the joined tokens (slow path; the
 * token containing the tag's end is read). Either way the one-pass tokens of a prefix of steps are
 * a prefix of the whole trace's tokens, which is what makes prefix reuse exact.
 * No `vscode` import; node-llama-cpp types only.
 */
import type { Token } from "node-llama-cpp";
import type { PromptFormat } from "../presets";
import { formatStep, type AdapterContext, type PrmAdapter, type PrmInput, type PrmPlan } from "./plan";
import { assertDistinctLabels, bosTokens, continuationTokens, labelToken } from "./tokens";

export const MATH_SHEPHERD_DEFAULTS = {
  stepTag: "ки",
  positive: "+",
  negative: "-",
  stepFormat: "Step {n}: {text}",
} as const;

/** The text segments: segment i ends right after step i's tag. */
export function mathShepherdSegments(input: PrmInput, format: PromptFormat = {}): string[] {
  const tag = format.stepTag ?? MATH_SHEPHERD_DEFAULTS.stepTag;
  const stepFormat = format.stepFormat ?? MATH_SHEPHERD_DEFAULTS.stepFormat;
  return input.steps.map((text, i) => {
    const step = `${formatStep(stepFormat, i + 1, text.trim())} ${tag}`;
    return i === 0 ? `${input.problem.trim()} ${step}` : `\n${step}`;
  });
}

export const mathShepherdAdapter: PrmAdapter = {
  name: "math-shepherd",
  plan(input: PrmInput, ctx: AdapterContext, format: PromptFormat): PrmPlan {
    const { model } = ctx;
    const positiveLabel = format.positive ?? MATH_SHEPHERD_DEFAULTS.positive;
    const negativeLabel = format.negative ?? MATH_SHEPHERD_DEFAULTS.negative;
    const positive = labelToken(model, positiveLabel, "positive");
    const negative = labelToken(model, negativeLabel, "negative");
    assertDistinctLabels(positive, negative, [positiveLabel, negativeLabel]);
    const segments = mathShepherdSegments(input, format);
    const bos = bosTokens(model);
    const tokens = [...bos, ...model.tokenize(segments.join(""))];
    const notes: string[] = [];

    const { ends, path } = mathShepherdReadPositions(ctx, segments, bos, tokens);
    notes.push(
      path === "fast"
        ? "tokenisation: joined text, positions from per-step segments"
        : "tokenisation: joined text, positions by prefix search (a tag merges with the text after it)",
    );
    return {
      adapter: "math-shepherd",
      tokens,
      reads: ends.map((position, step) => ({ step, position })),
      branches: [],
      positive: [positive],
      negative: [negative],
      notes,
    };
  },
};

/** The read position (last token of each step's tag) of every segment in the joined tokens; `force` is for tests. */
export function mathShepherdReadPositions(
  ctx: AdapterContext,
  segments: string[],
  bos: Token[],
  joined: Token[],
  force?: "slow",
): { ends: number[]; path: "fast" | "slow" } {
  const fast = force ? null : fastEnds(ctx, segments, bos.length, joined);
  return fast ? { ends: fast, path: "fast" } : { ends: slowEnds(ctx, segments, bos, joined), path: "slow" };
}

function fastEnds(ctx: AdapterContext, segments: string[], offset: number, joined: Token[]): number[] | null {
  const ends: number[] = [];
  let at = offset;
  for (const [i, segment] of segments.entries()) {
    const t = i === 0 ? ctx.model.tokenize(segment) : continuationTokens(ctx.model, segment);
    if (!t || t.length === 0) return null;
    for (let k = 0; k < t.length; k++) if (joined[at + k] !== t[k]) return null;
    at += t.length;
    ends.push(at - 1);
  }
  return at === joined.length ? ends : null;
}

function slowEnds(ctx: AdapterContext, segments: string[], bos: Token[], joined: Token[]): number[] {
  const ends: number[] = [];
  let text = "";
  for (const segment of segments) {
    text += segment;
    const prefix = [...bos, ...ctx.model.tokenize(text)];
    let common = 0;
    while (common < prefix.length && common < joined.length && prefix[common] === joined[common]) common++;
    const end = common === prefix.length ? prefix.length - 1 : common;
    ends.push(Math.min(Math.max(end, ends.at(-1) ?? 0), joined.length - 1));
  }
  return ends;
}
