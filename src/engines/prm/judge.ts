/**
 * Any instruct model as a step judge: for step i the model sees the problem and steps 1..i, is asked
 * "Is step i correct? Answer Yes or No.", and the score is P(Yes) / (P(Yes) + P(No)) of its first
 * answer token.
 *
 * Design — one shared prefix, one short branch per step ("fork off the shared prefix"):
 *   shared:   [chat header] Problem … Solution steps so far: Step 1 … Step 2 … … Step N
 *   branch i: shared[0, end of step i) + "\n\nIs step i correct? Answer Yes or No." + [end of user turn,
 *             assistant header, answerPrefix]  → read P(Yes), P(No)
 * The engine evaluates the shared prefix once and, walking along it, evaluates each branch on top
 * of the KV cache at the end of step i, then erases it (no copy, no second sequence). Cost: the
 * trace once plus N short questions (≈ 15–30 tokens each), versus N full prefixes for the naive
 * per-step prompts — and every step's prompt is exactly the naive one, so the scores are the same.
 * (An inline layout — questions written into the one sequence after each step — would be a single
 * controlledEvaluate, but then the judge of step i also sees earlier questions, so its scores differ
 * from the per-step prompt it stands for; we chose exactness.)
 *
 * Labels are the first token the label adds right after the assistant header (+ answerPrefix), so
 * "Yes" is read as the model would write it there. Models without a chat template get a plain-text
 * layout. No `vscode` import; node-llama-cpp types only.
 */
import type { ChatHistoryItem, LlamaText, Token } from "node-llama-cpp";
import type { PromptFormat } from "../presets";
import { formatStep, type AdapterContext, type PrmAdapter, type PrmInput, type PrmPlan } from "./plan";
import { assertDistinctLabels, bosTokens, continuationTokens, nextTokenAfter, pieceTokens, renderChatAtSlots, slot } from "./tokens";

export const JUDGE_DEFAULTS = {
  positive: "Yes",
  negative: "No",
  stepFormat: "Step {n}: {text}",
  question: "Is step {n} correct? Answer Yes or No.",
  system: "You check solutions to math problems one step at a time.",
} as const;

export const judgeAdapter: PrmAdapter = {
  name: "judge",
  plan(input: PrmInput, ctx: AdapterContext, format: PromptFormat): PrmPlan {
    const { model, lib } = ctx;
    const stepFormat = format.stepFormat ?? JUDGE_DEFAULTS.stepFormat;
    const question = format.question ?? JUDGE_DEFAULTS.question;
    const positiveLabel = format.positive ?? JUDGE_DEFAULTS.positive;
    const negativeLabel = format.negative ?? JUDGE_DEFAULTS.negative;

    // Head (before the user's text) and tail (after it, up to where the answer starts).
    let head: Token[];
    let tailText: LlamaText;
    let chatNote: string;
    let headEndsWithText = false;
    if (ctx.chatWrapper) {
      const system = format.system ?? JUDGE_DEFAULTS.system;
      const history: ChatHistoryItem[] = [
        ...(system ? [{ type: "system", text: system } as ChatHistoryItem] : []),
        { type: "user", text: slot(0) },
        { type: "model", response: [] },
      ];
      const { pieces } = renderChatAtSlots(ctx, history);
      const [userPiece, afterUser, ...more] = pieces;
      if (userPiece === undefined || afterUser === undefined || more.length > 0) throw new Error(`the chat format ${ctx.chatFormat} lost the user message.`);
      head = pieceTokens(ctx, userPiece, true);
      headEndsWithText = typeof userPiece.values.at(-1) === "string";
      tailText = afterUser;
      chatNote = `chat format: ${ctx.chatFormat}`;
    } else {
      head = bosTokens(model);
      tailText = new lib.LlamaText("\nAnswer:\n");
      chatNote = "chat format: none (plain-text layout)";
    }
    if (format.answerPrefix) tailText = new lib.LlamaText(tailText, new lib.SpecialTokensText(format.answerPrefix));
    const tail = pieceTokens(ctx, tailText, false);
    const positive = nextTokenAfter(ctx, tailText, positiveLabel, "positive");
    const negative = nextTokenAfter(ctx, tailText, negativeLabel, "negative");
    assertDistinctLabels(positive, negative, [positiveLabel, negativeLabel]);

    const cont = (text: string): Token[] => continuationTokens(model, text) ?? model.tokenize(text, false, "trimLeadingSpace");
    // The user's text right after the head: a continuation of raw text, or fresh text after special tokens (as llama.cpp tokenizes it).
    const problem = `Problem:\n${input.problem.trim()}`;
    const tokens = [...head, ...(headEndsWithText ? cont(problem) : model.tokenize(problem)), ...cont("\n\nSolution steps so far:")];
    const branches: PrmPlan["branches"] = [];
    input.steps.forEach((text, i) => {
      for (const t of cont(`\n${formatStep(stepFormat, i + 1, text.trim())}`)) tokens.push(t); // not push(...): a long step would overflow the stack
      const q = cont(`\n\n${formatStep(question, i + 1, "")}`);
      branches.push({ step: i, forkAt: tokens.length, suffix: [...q, ...tail] });
    });
    return {
      adapter: "judge",
      tokens,
      reads: [],
      branches,
      positive: [positive],
      negative: [negative],
      notes: [chatNote, "layout: shared prefix + one question branch per step"],
    };
  },
};
