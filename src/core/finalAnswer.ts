/**
 * The final answer of a solution text:
 * 1. the content of the last balanced `\boxed{…}` (or `\fbox{…}`), nested braces allowed, escaped
 *    braces (`\{`, `\}`) not counted; an unbalanced (truncated) one is ignored, an empty one too;
 * 2. otherwise the value of the last "Answer:" line ("Answer: 42", "Final Answer: 42",
 *    "**Final Answer:** 42", "## Final Answer: 42"); the Minerva form
 *    "Final Answer: The final answer is 42. I hope it is correct." gives "42";
 *    surrounding `$…$`, `\(…\)`, bold and a trailing period are dropped.
 * The range covers the whole `\boxed{…}` command, or the value of the answer line.
 * Linear in the length of the text. No `vscode` import here.
 */
import type { SourceRange } from "./trace";
import type { LineIndex } from "./lineIndex";

export interface FinalAnswerMatch {
  /** The answer, trimmed; line breaks normalised to "\n". */
  text: string;
  kind: "boxed" | "answer-line";
  /** Span in the searched text: the whole `\boxed{…}`, or the answer-line value. */
  startOffset: number;
  endOffset: number;
  /** The same span as a SourceRange, when a LineIndex of the text was given. */
  range: SourceRange | null;
}

export interface FindFinalAnswerOptions {
  /** Search only [start, end) of the text (offsets stay relative to the whole text). */
  start?: number;
  end?: number;
  /** When given, `range` is filled in. */
  lineIndex?: LineIndex;
}

export interface BoxedMatch {
  /** Content between the braces, untrimmed. */
  content: string;
  /** Offset of the backslash of `\boxed`. */
  start: number;
  /** Offset just after the closing brace. */
  end: number;
}

const BOX_COMMANDS = ["boxed", "fbox"];

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The last balanced `\boxed{…}` / `\fbox{…}` in [start, end) with non-blank content: the one that
 * closes last (so for `\boxed{\boxed{1}}` the outer one). One pass with a brace stack.
 */
export function findLastBoxed(text: string, start = 0, end = text.length): BoxedMatch | null {
  // Stack entries: -1 for a plain "{", else the offset of the "\" of the box command owning the brace.
  const stack: number[] = [];
  const openAt: number[] = [];
  // The best box as offsets (sliced once at the end: slicing each nested box would be quadratic).
  let bestOwner = -1;
  let bestOpen = -1;
  let bestClose = -1;
  // Offset of the last non-blank character seen: a box's content is non-blank when it is after the "{".
  let lastNonBlank = -1;
  const stop = Math.min(end, text.length);
  // Braces before the first box command cannot change how the boxes' own braces match, so the
  // scan starts there (at the start of the run of backslashes it ends, to keep "\\boxed" right).
  let from = -1;
  for (const name of BOX_COMMANDS) {
    const at = text.indexOf("\\" + name, Math.max(0, start));
    if (at >= 0 && at < stop && (from < 0 || at < from)) from = at;
  }
  if (from < 0) return null;
  while (from > start && text.charCodeAt(from - 1) === 92) from--;
  for (let i = from; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c !== 125 && c !== 32 && c !== 9 && c !== 10 && c !== 13) lastNonBlank = i;
    if (c === 92 /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (isLetter(next)) {
        let j = i + 1;
        while (j < stop && isLetter(text.charCodeAt(j))) j++;
        const name = text.slice(i + 1, j);
        if (BOX_COMMANDS.includes(name)) {
          let k = j;
          while (k < stop && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
          if (k < stop && text.charCodeAt(k) === 123 /* { */) {
            stack.push(i);
            openAt.push(k);
            i = k;
            continue;
          }
        }
        i = j - 1;
      } else if (i + 1 < stop) {
        i++; // an escaped character: \{ \} \\ \$ do not count
      }
    } else if (c === 123 /* { */) {
      stack.push(-1);
      openAt.push(i);
    } else if (c === 125 /* } */) {
      if (stack.length === 0) continue;
      const owner = stack.pop()!;
      const open = openAt.pop()!;
      if (owner >= 0 && lastNonBlank > open) {
        bestOwner = owner;
        bestOpen = open;
        bestClose = i;
      }
      lastNonBlank = i;
    }
  }
  return bestOwner < 0 ? null : { content: text.slice(bestOpen + 1, bestClose), start: bestOwner, end: bestClose + 1 };
}

/** Content of the last balanced `\boxed{…}`, trimmed; null when there is none. */
export function lastBoxedContent(text: string): string | null {
  const m = findLastBoxed(text);
  return m ? normalise(m.content) : null;
}

const ANSWER_LABEL =
  /^([ \t]{0,3})(#{1,6}[ \t]+)?(?:(\*\*|__)[ \t]*)?(final[ \t]+answer|answer)(?![\p{L}\p{N}_])[ \t]*(\*\*|__)?[ \t]*([:：])?[ \t]*(\*\*|__)?[ \t]*/iu;

export interface AnswerLabel {
  /** Offset (within the line) where the value starts: after the label, its colon and bold. */
  valueStart: number;
  /** Offset (within the line) just after the value, trailing whitespace excluded. */
  valueEnd: number;
  /** Trimmed raw value (may be empty: "Final Answer:" alone, "## Final Answer"). */
  value: string;
}

/**
 * An answer-label line: "Answer: 4", "Final Answer: 4", "**Final Answer**", "**Answer:** 4",
 * "## Final Answer". A label needs a colon, a heading or bold around it ("Answer is 4" is prose).
 */
export function matchAnswerLabel(line: string): AnswerLabel | null {
  const m = ANSWER_LABEL.exec(line);
  if (!m) return null;
  const heading = m[2] !== undefined;
  const boldOpen = m[3];
  const boldAfterLabel = m[5];
  const colon = m[6] !== undefined;
  const boldAfterColon = m[7];
  const boldClosed = boldOpen !== undefined && (boldAfterLabel === boldOpen || boldAfterColon === boldOpen);
  if (!colon && !heading && !boldClosed) return null;
  // A bold that opened after the colon ("Answer: **4**") is part of the value, not of the label.
  let valueStart = m[0].length;
  if (boldAfterColon !== undefined && !(boldOpen !== undefined && boldAfterColon === boldOpen && boldAfterLabel !== boldOpen)) {
    valueStart -= m[0].length - m[0].lastIndexOf(boldAfterColon);
  }
  let valueEnd = line.length;
  while (valueEnd > valueStart && /\s/.test(line.charAt(valueEnd - 1))) valueEnd--;
  // "## Final Answer ##": closing heading hashes are not a value.
  if (heading && /^#+$/.test(line.slice(valueStart, valueEnd))) valueEnd = valueStart;
  return { valueStart, valueEnd, value: line.slice(valueStart, valueEnd) };
}

/** Narrows [s, e) of `line` to the answer itself: drops bold, `$…$`, `\(…\)`, a trailing period, the Minerva phrasing. */
function answerValueSpan(line: string, s: number, e: number): [number, number] {
  const trim = () => {
    while (s < e && /\s/.test(line.charAt(s))) s++;
    while (e > s && /\s/.test(line.charAt(e - 1))) e--;
  };
  trim();
  const minerva = /^the final answer is[ \t]+/i.exec(line.slice(s, e));
  if (minerva) {
    s += minerva[0].length;
    const hope = /\.?[ \t]*I hope it is correct\.?$/i.exec(line.slice(s, e));
    if (hope) e -= hope[0].length;
    trim();
  }
  for (let changed = true; changed && e > s;) {
    changed = false;
    const v = line.slice(s, e);
    if (v.length > 1 && v.endsWith(".")) {
      e--;
      changed = true;
    } else if (wrapperWidth(v) > 0) {
      const w = wrapperWidth(v);
      s += w;
      e -= w;
      changed = true;
    } else if (v.length >= 2 && v.endsWith("**") && !v.slice(0, -2).includes("**")) {
      e -= 2; // "**Final Answer: 4**": the bold opened before the label
      changed = true;
    }
    if (changed) trim();
  }
  return [s, e];
}

/** Marks that wrap a whole answer value, peeled in this order (bold, math, inline math). */
const WRAPPERS = ["**", "__", "$$", "$", "\\("] as const;
const CLOSER: Record<(typeof WRAPPERS)[number], string> = { "**": "**", __: "__", $$: "$$", $: "$", "\\(": "\\)" };

/** The width of the first wrapper around all of `v` (0: none); a single `$` pair only when no other `$` is inside. */
function wrapperWidth(v: string): number {
  for (const open of WRAPPERS) {
    const close = CLOSER[open];
    if (v.length < open.length + close.length || !v.startsWith(open) || !v.endsWith(close)) continue;
    if (open === "$" && v.indexOf("$", 1) !== v.length - 1) continue;
    return open.length;
  }
  return 0;
}

/** The last answer-label line in [start, end) with a non-empty value. */
export function findLastAnswerLine(text: string, start = 0, end = text.length): { text: string; startOffset: number; endOffset: number } | null {
  let best: { text: string; startOffset: number; endOffset: number } | null = null;
  const stop = Math.min(end, text.length);
  // Candidate lines found by one regex scan (the label must open its line), then checked exactly.
  const candidate = /^[ \t]{0,3}(?:#{1,6}[ \t]+)?(?:\*\*|__)?[ \t]*(?:final[ \t]+)?answer/gim;
  candidate.lastIndex = Math.max(0, start);
  for (let m = candidate.exec(text); m && m.index < stop; m = candidate.exec(text)) {
    const lineStart = m.index;
    let lineEnd = candidate.lastIndex;
    while (lineEnd < stop) {
      const c = text.charCodeAt(lineEnd);
      if (c === 10 || c === 13) break;
      lineEnd++;
    }
    const line = text.slice(lineStart, lineEnd);
    const label = matchAnswerLabel(line);
    if (label && label.value !== "") {
      const [s, e] = answerValueSpan(line, label.valueStart, label.valueEnd);
      if (e > s) best = { text: line.slice(s, e), startOffset: lineStart + s, endOffset: lineStart + e };
    }
    candidate.lastIndex = Math.max(candidate.lastIndex, lineEnd);
  }
  return best;
}

function normalise(s: string): string {
  return s.replace(/\r\n?/g, "\n").trim();
}

/** The final answer of [start, end) of `text` by the rules at the top of this file; null when none. */
export function findFinalAnswer(text: string, options: FindFinalAnswerOptions = {}): FinalAnswerMatch | null {
  const start = options.start ?? 0;
  const end = options.end ?? text.length;
  const rangeOf = (s: number, e: number) => (options.lineIndex ? options.lineIndex.range(s, e) : null);
  const boxed = findLastBoxed(text, start, end);
  if (boxed) {
    return { text: normalise(boxed.content), kind: "boxed", startOffset: boxed.start, endOffset: boxed.end, range: rangeOf(boxed.start, boxed.end) };
  }
  const line = findLastAnswerLine(text, start, end);
  if (line)
    return { text: line.text, kind: "answer-line", startOffset: line.startOffset, endOffset: line.endOffset, range: rangeOf(line.startOffset, line.endOffset) };
  return null;
}
