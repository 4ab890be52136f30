/**
 * Chat-turn PRM (RLHFlow style, e.g. Llama3.1-8B-PRM): each step is a user turn (the first one is
 * `"{problem} {step 1}"` as RLHFlow's own evaluation code builds it, or `"{problem}\n\n{step 1}"` as
 * ProcessBench's example does: `format.firstTurnJoin`), each answered by the assistant with the positive label `+`; the score of
 * step i is the softmax over `+` / `-` of the logits right before the assistant's label of turn i.
 * The whole conversation is one token sequence, so one pass scores every step.
 *
 * The conversation is rendered with the model's chat template through node-llama-cpp's chat
 * wrappers (or `format.chatTemplate`, an explicit Jinja template). Each assistant answer is a
 * placeholder in the rendered text; the pieces between placeholders are tokenized separately (they
 * are separated by the template's special tokens) and the label token is put at each placeholder.
 * A model without a chat template gets node-llama-cpp's fallback format (noted in the plan).
 * No `vscode` import; node-llama-cpp types only.
 */
import type { ChatHistoryItem, Token } from "node-llama-cpp";
import type { PromptFormat } from "../presets";
import { formatStep, type AdapterContext, type PrmAdapter, type PrmInput, type PrmPlan } from "./plan";
import { assertDistinctLabels, labelToken, pieceTokens, renderChatAtSlots, slot } from "./tokens";

export const CHAT_TURN_DEFAULTS = { positive: "+", negative: "-", stepFormat: "{text}", firstTurnJoin: " " } as const;
/** The `steplens.prm.chatTurnJoin` choices as the text they put between the problem and step 1. */
export const CHAT_TURN_JOINS = { space: " ", "blank-line": "\n\n" } as const;

export const chatTurnAdapter: PrmAdapter = {
  name: "chat-turn",
  plan(input: PrmInput, ctx: AdapterContext, format: PromptFormat): PrmPlan {
    if (!ctx.chatWrapper) throw new Error("the chat-turn adapter needs a chat format, and none could be resolved for this model.");
    const positiveLabel = format.positive ?? CHAT_TURN_DEFAULTS.positive;
    const negativeLabel = format.negative ?? CHAT_TURN_DEFAULTS.negative;
    const positive = labelToken(ctx.model, positiveLabel, "positive");
    const negative = labelToken(ctx.model, negativeLabel, "negative");
    assertDistinctLabels(positive, negative, [positiveLabel, negativeLabel]);
    const stepFormat = format.stepFormat ?? CHAT_TURN_DEFAULTS.stepFormat;
    const join = format.firstTurnJoin ?? CHAT_TURN_DEFAULTS.firstTurnJoin;

    const history: ChatHistoryItem[] = format.system ? [{ type: "system", text: format.system }] : [];
    input.steps.forEach((text, i) => {
      const step = formatStep(stepFormat, i + 1, text.trim());
      history.push({ type: "user", text: i === 0 ? `${input.problem.trim()}${join}${step}` : step });
      history.push({ type: "model", response: [slot(i)] });
    });
    const { pieces, slots } = renderChatAtSlots(ctx, history);
    if (slots.length !== input.steps.length || slots.some((s, i) => s !== i))
      throw new Error(`the chat format ${ctx.chatFormat} did not keep the assistant turns apart (found ${slots.length} of ${input.steps.length}).`);

    const tokens: Token[] = [];
    const reads: PrmPlan["reads"] = [];
    pieces.forEach((piece, i) => {
      if (i === pieces.length - 1) return; // after the last answer: nothing left to read
      for (const t of pieceTokens(ctx, piece, i === 0)) tokens.push(t); // not push(...): a long step would overflow the stack
      reads.push({ step: i, position: tokens.length - 1 });
      if (i < pieces.length - 2) tokens.push(positive); // the assistant's answer to this turn
    });
    return {
      adapter: "chat-turn",
      tokens,
      reads,
      branches: [],
      positive: [positive],
      negative: [negative],
      notes: [`chat format: ${ctx.chatFormat}`],
    };
  },
};
