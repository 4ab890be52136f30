/**
 * The answer of a solution (or of a gold field), by the first rule that applies:
 * 1. the final answer of src/core/finalAnswer.ts: the last balanced `\boxed{…}` / `\fbox{…}`, else the
 *    last "Answer:" / "Final Answer:" line (with the Minerva phrasing);
 * 2. else the last "the (final) answer is …" phrase (up to the end of its line, or a sentence end),
 *    or GSM8K's closing "#### 42" line, whichever comes later;
 * 3. else the whole text when it is short (one line of at most MAX_WHOLE_CHARS characters), so a
 *    gold written as `42`, `$\frac12$` or `\boxed{7}` reads as its content;
 * 4. else null.
 * The result is cleaned by cleanAnswer (wrappers, `\text{}`, units, trailing punctuation). No
 * `vscode` import here.
 */
import { findFinalAnswer } from "../core/finalAnswer";
import { cleanAnswer } from "./cleanAnswer";

/** Longest text taken whole as an answer when it has no box, answer line or answer phrase. */
export const MAX_WHOLE_CHARS = 120;

const ANSWER_PHRASE = /\b(?:the\s+)?(?:final\s+)?answer\s+(?:is|will\s+be|would\s+be)\s*:?\s*/gi;

const GSM8K_ANSWER = /^[ \t]*####[ \t]*(\S[^\n]*)$/gm;

/** The value after the last "the answer is" phrase, to the end of its line or sentence. */
function lastAnswerPhrase(text: string): string | null {
  let best: { value: string; at: number } | null = null;
  for (let m = ANSWER_PHRASE.exec(text); m; m = ANSWER_PHRASE.exec(text)) {
    const from = m.index + m[0].length;
    let to = text.indexOf("\n", from);
    if (to < 0) to = text.length;
    let value = text.slice(from, to);
    // A sentence end: ". " followed by a capital letter, outside math ("x = 3.5" keeps its point).
    const end = /\.\s+(?=[A-Z])/.exec(value);
    if (end && !value.slice(0, end.index).includes("$")) value = value.slice(0, end.index);
    value = value.trim();
    if (value) best = { value, at: m.index };
  }
  for (let m = GSM8K_ANSWER.exec(text); m; m = GSM8K_ANSWER.exec(text)) {
    const value = m[1].trim();
    if (value && (!best || m.index > best.at)) best = { value, at: m.index };
  }
  return best?.value ?? null;
}

function clean(raw: string | null): string | null {
  if (raw === null) return null;
  const cleaned = cleanAnswer(raw);
  return cleaned === "" ? null : cleaned;
}

/** The answer a model's solution states (rules 1 and 2 only: a box, an answer line or phrase), cleaned; null when none. */
export function extractStatedAnswer(text: string): string | null {
  const final = findFinalAnswer(text);
  return clean(final ? final.text : lastAnswerPhrase(text));
}

/** The answer of `text` by the rules above, cleaned; null when there is none. */
export function extractAnswer(text: string): string | null {
  const final = findFinalAnswer(text);
  let raw: string | null = final ? final.text : lastAnswerPhrase(text);
  if (raw === null) {
    const whole = text.trim();
    if (whole && whole.length <= MAX_WHOLE_CHARS && !/\n/.test(whole)) raw = whole;
  }
  return clean(raw);
}
