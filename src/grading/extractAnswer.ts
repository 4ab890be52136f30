/**
 * The answer of a solution (or of a gold field), by the first rule that applies:
 * 1. the final answer of src/core/finalAnswer.ts: the last balanced `\boxed{…}` / `\fbox{…}`, else the
 *    last "Answer:" / "Final Answer:" line (with the Minerva phrasing);
 * 2. else the last "the (final) answer is …" phrase (up to the end of its line, or a sentence end),
 *    or GSM8K's closing "#### 42" line, whichever comes later;
 * 3. else the whole text when it is short (one line of at most MAX_WHOLE_CHARS characters), so a
 *    gold written as `42`, `$\frac12$` or `\boxed{7}` reads as its content;
 * 4. else null.
 * Rules 1 and 2 search the last MAX_SCAN_CHARS characters of a long text. The result is cleaned by
 * cleanAnswer (wrappers, `\text{}`, units, trailing punctuation). No
 * `vscode` import here.
 */
import { findFinalAnswer, findLastBoxed } from "../core/finalAnswer";
import { MAX_ANSWER_CHARS } from "./bounds";
import { cleanAnswer } from "./cleanAnswer";

/**
 * How much of the end of a solution is searched for its answer (64 Ki characters, ~16k tokens): a
 * box, answer line or phrase further back is not found. Bounds the work per solution.
 */
export const MAX_SCAN_CHARS = 65_536;

/** Longest text taken whole as an answer when it has no box, answer line or answer phrase. */
export const MAX_WHOLE_CHARS = 120;

const ANSWER_PHRASE = /\b(?:the\s+)?(?:final\s+)?answer\s+(?:is|will\s+be|would\s+be)\s*:?\s*/gi;

const GSM8K_ANSWER = /^[ \t]*####[ \t]*(\S[^\n]*)$/gm;

/** The value after the phrase ending at `from`, to the end of its line or sentence (at most MAX_ANSWER_CHARS + 1 characters are looked at). */
function phraseValue(text: string, from: number): string {
  const limit = Math.min(text.length, from + MAX_ANSWER_CHARS + 1);
  let to = text.indexOf("\n", from);
  if (to < 0 || to > limit) to = limit;
  let value = text.slice(from, to);
  // A sentence end: ". " followed by a capital letter, outside math ("x = 3.5" keeps its point).
  // ("$13$. I hope it is correct." ends after "$13$": the "$" before the point are balanced.)
  const end = /\.\s+(?=[A-Z])/.exec(value);
  if (end && (value.slice(0, end.index).match(/(?<!\\)\$/g) ?? []).length % 2 === 0) value = value.slice(0, end.index);
  return value.trim();
}

/**
 * The value after the last "the answer is" phrase, to the end of its line or sentence, or GSM8K's
 * closing "#### 42" line, whichever comes later. Linear: the phrases are found in one scan and only
 * the last ones (back to the first with a value) are read.
 */
function lastAnswerPhrase(text: string): string | null {
  const phrases: { start: number; end: number }[] = [];
  ANSWER_PHRASE.lastIndex = 0;
  for (let m = ANSWER_PHRASE.exec(text); m; m = ANSWER_PHRASE.exec(text)) phrases.push({ start: m.index, end: m.index + m[0].length });
  let best: { value: string; at: number } | null = null;
  // The last phrase first (in place: the list is this call's own).
  for (const { start, end } of phrases.reverse()) {
    const value = phraseValue(text, end);
    if (value) {
      best = { value, at: start };
      break;
    }
  }
  GSM8K_ANSWER.lastIndex = 0;
  for (let m = GSM8K_ANSWER.exec(text); m; m = GSM8K_ANSWER.exec(text)) {
    const value = m[1]?.trim();
    if (value && (!best || m.index > best.at)) best = { value, at: m.index };
  }
  return best?.value ?? null;
}

/** Between two boxed answers of one list: punctuation, "and"/"or", `\quad`, math delimiters, then an optional "x =" (at most MAX_SEPARATOR_CHARS long). */
const BOX_SEPARATOR = /^(?:[\s$,;]|\\[()[\]]|\\q?quad\b|\\text\{\s*(?:and|or)\s*\}|\band\b|\bor\b)*(?:[A-Za-z](?:_\{?\w+\}?)?\s*=\s*)?$/;
const MAX_SEPARATOR_CHARS = 40;
/** Most boxed answers read as one list ("\boxed{1} and \boxed{2}"), as Math-Verify does. */
export const MAX_LISTED_BOXES = 6;

/** The last boxed answer, with the boxes just before it that list with it ("\boxed{-1} and \boxed{2}" → "-1, 2"). */
function boxedList(text: string, last: { text: string; startOffset: number }): string {
  const items = [last.text];
  let start = last.startOffset;
  while (items.length < MAX_LISTED_BOXES) {
    const prev = findLastBoxed(text, Math.max(0, start - MAX_SEPARATOR_CHARS - MAX_ANSWER_CHARS), start);
    if (!prev || start - prev.end > MAX_SEPARATOR_CHARS || !BOX_SEPARATOR.test(text.slice(prev.end, start))) break;
    const content = prev.content.trim();
    if (!content) break;
    // The same value boxed twice ("\\boxed{-2} and \\boxed{-2}") is stated once.
    if (!items.includes(content)) items.unshift(content);
    start = prev.start;
  }
  return items.join(", ");
}

function clean(raw: string | null): string | null {
  if (raw === null) return null;
  const cleaned = cleanAnswer(raw);
  return cleaned === "" ? null : cleaned;
}

/** The answer a model's solution states (rules 1 and 2 only: a box, an answer line or phrase), cleaned; null when none. */
export function extractStatedAnswer(text: string): string | null {
  return clean(statedRaw(text));
}

function statedRaw(whole: string): string | null {
  // Only the end of a long solution is searched: the work per solution is bounded.
  const text = whole.length > MAX_SCAN_CHARS ? whole.slice(whole.length - MAX_SCAN_CHARS) : whole;
  const final = findFinalAnswer(text);
  if (!final) return lastAnswerPhrase(text);
  return final.kind === "boxed" ? boxedList(text, final) : final.text;
}

/**
 * A gold answer: read like a solution (extractAnswer), else, being an answer and not a solution, the
 * whole field when it is at most MAX_ANSWER_CHARS long (a long \text{} answer, a cases block).
 */
export function extractGold(text: string): string | null {
  const found = extractAnswer(text);
  if (found !== null) return found;
  const whole = text.trim();
  return whole && whole.length <= MAX_ANSWER_CHARS ? clean(whole) : null;
}

/** The answer of `text` by the rules above, cleaned; null when there is none. */
export function extractAnswer(text: string): string | null {
  let raw = statedRaw(text);
  if (raw === null) {
    const whole = text.trim();
    if (whole && whole.length <= MAX_WHOLE_CHARS && !/\n/.test(whole)) raw = whole;
  }
  return clean(raw);
}
