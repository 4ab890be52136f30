/**
 * Tokenisation helpers shared by the PRM adapters: BOS handling, labels, text that continues
 * earlier text, chat transcripts split at placeholders. No `vscode` import; node-llama-cpp types only.
 *
 * SentencePiece models in llama.cpp prepend a "▁" (a space) to every piece of raw text they
 * tokenize. Text that continues earlier text must not get it, so `continuationTokens` removes it:
 * text starting with a space drops that space (the prefix restores it), text starting with a
 * newline drops the lone "▁" token. Anything else cannot be tokenized on its own exactly, and the
 * caller falls back to tokenising the joined text.
 */
import type { ChatHistoryItem, LlamaModel, LlamaText, LlamaTextValue, Token } from "node-llama-cpp";
import type { AdapterContext } from "./plan";

export function bosTokens(model: LlamaModel): Token[] {
  return model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : [];
}

const dummyCache = new WeakMap<LlamaModel, Token | null>();

/** The lone "▁" SentencePiece puts before raw text ("\n" then tokenizes to two tokens), or null when the tokenizer adds none. */
function dummyPrefixToken(model: LlamaModel): Token | null {
  let dummy = dummyCache.get(model);
  if (dummy === undefined) {
    const nl = model.tokenize("\n");
    const [first, second] = nl;
    dummy = first !== undefined && second !== undefined ? first : null; // two tokens or more: the first is the dummy
    dummyCache.set(model, dummy);
  }
  return dummy;
}

/** Tokens of `text` as it is tokenized right after other text, or null when that cannot be done exactly. */
export function continuationTokens(model: LlamaModel, text: string): Token[] | null {
  if (text === "") return [];
  const dummy = dummyPrefixToken(model);
  if (dummy == null) return model.tokenize(text);
  if (text.startsWith(" ")) return model.tokenize(text.slice(1));
  const t = model.tokenize(text);
  return t[0] === dummy ? t.slice(1) : null;
}

/** The first token of `label` tokenized on its own (as `tokenizer.encode(label)` without BOS in the reference PRM code). */
export function labelToken(model: LlamaModel, label: string, what: string): Token {
  const t = model.tokenize(label);
  const dummy = dummyPrefixToken(model);
  const first = t[0] === dummy && t.length > 1 ? t[1] : t[0];
  if (first === undefined) throw new Error(`the ${what} label ${JSON.stringify(label)} tokenizes to nothing: set a non-empty label.`);
  return first;
}

/** The first token `label` adds after `context` (tokenising both joined): the label as the model would write it there. */
export function nextTokenAfter(ctx: AdapterContext, context: LlamaText, label: string, what: string): Token {
  const base = context.tokenize(ctx.model.tokenizer);
  const joined = new ctx.lib.LlamaText(context, label).tokenize(ctx.model.tokenizer);
  let i = 0;
  while (i < base.length && i < joined.length && base[i] === joined[i]) i++;
  const t = joined[i];
  if (t === undefined) throw new Error(`the ${what} label ${JSON.stringify(label)} adds no token after the prompt: set a non-empty label.`);
  return t;
}

export function assertDistinctLabels(positive: Token, negative: Token, labels: [string, string]): void {
  if (positive === negative)
    throw new Error(
      `the labels ${JSON.stringify(labels[0])} and ${JSON.stringify(labels[1])} start with the same token: choose labels that differ in their first token.`,
    );
}

/** Puts BOS first when the model wants one and leaves it out when it does not (chat templates may add it either way). */
export function normalizeBos(model: LlamaModel, tokens: Token[]): Token[] {
  const bos = model.tokens.bos;
  const want = bosTokens(model).length > 0;
  if (bos == null) return tokens;
  if (want && tokens[0] !== bos) return [bos, ...tokens];
  if (!want && tokens[0] === bos) return tokens.slice(1);
  return tokens;
}

const SLOT = /\uE000(\d+)\uE001/g;

/** A placeholder to put in a chat message; `splitAtSlots` finds it again after rendering. */
export function slot(i: number): string {
  return `\uE000${i}\uE001`;
}

/**
 * Renders a chat with the model's chat wrapper and splits it at the placeholders: returns the
 * rendered pieces between them (N placeholders → N + 1 pieces) and which placeholder ends each piece.
 */
export function renderChatAtSlots(ctx: AdapterContext, history: ChatHistoryItem[]): { pieces: LlamaText[]; slots: number[] } {
  if (!ctx.chatWrapper) throw new Error("no chat format");
  const { contextText } = ctx.chatWrapper.generateContextState({ chatHistory: history });
  let current: LlamaTextValue[] = []; // the piece being filled: always the last of pieces
  const pieces: LlamaTextValue[][] = [current];
  const slots: number[] = [];
  for (const value of contextText.values) {
    if (typeof value !== "string") {
      current.push(value);
      continue;
    }
    let last = 0;
    for (const m of value.matchAll(SLOT)) {
      const before = value.slice(last, m.index);
      if (before) current.push(before);
      slots.push(Number(m[1]));
      current = [];
      pieces.push(current);
      last = (m.index ?? 0) + m[0].length;
    }
    const rest = value.slice(last);
    if (rest) current.push(rest);
  }
  return { pieces: pieces.map((values) => new ctx.lib.LlamaText(values)), slots };
}

/** Tokens of a rendered piece; pieces after the first continue earlier text. */
export function pieceTokens(ctx: AdapterContext, piece: LlamaText, first: boolean): Token[] {
  if (first) return normalizeBos(ctx.model, piece.tokenize(ctx.model.tokenizer));
  const values = piece.values;
  if (values.length && typeof values[0] === "string") {
    // Raw text first: tokenize it as a continuation, the rest (special tokens) as usual.
    const head = continuationTokens(ctx.model, values[0]);
    if (head) return [...head, ...new ctx.lib.LlamaText(values.slice(1)).tokenize(ctx.model.tokenizer, "trimLeadingSpace")];
  }
  return piece.tokenize(ctx.model.tokenizer, "trimLeadingSpace");
}
