/**
 * Recognisers for the line-start markers of a text trace. Each takes the line from its first
 * non-whitespace character (indentation is checked by the caller) and says how long the marker is.
 */

export interface StepMarker {
  /** Length of the marker ("## Step 3: ", "**Step 3**: ", "Step 3 - ") including the spaces after it. */
  length: number;
  /** The step number as written (document order is what counts; this is informational). */
  number: number;
  /**
   * "**Step 1: Find x.**": the bold opened before "Step" closes after the title, so the step text
   * keeps the title bold: "**Find x.**".
   */
  rebold: string | null;
}

function skipBlanks(t: string, i: number): number {
  while (i < t.length && (t[i] === " " || t[i] === "\t")) i++;
  return i;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

const STEP_WORD = /step[ \t]*(\d+)/iy;
const SEPARATORS = ":.)-–—：";

/**
 * The markup a marker or label line may open with: a Markdown heading ("## ") and/or a bold opener
 * ("**" or "__"). Returns where the word starts, or null for a "#" that is not a heading.
 */
function openingMarkup(t: string): { end: number; heading: boolean; bold: string | null } | null {
  let end = 0;
  let heading = false;
  if (t[0] === "#") {
    const m = /^#{1,6}[ \t]+/.exec(t);
    if (!m) return null;
    end = m[0].length;
    heading = true;
  }
  let bold: string | null = null;
  if (t.startsWith("**", end) || t.startsWith("__", end)) {
    bold = t.slice(end, end + 2);
    end = skipBlanks(t, end + 2);
  }
  return { end, heading, bold };
}

/**
 * The opening markup, then `words` (a sticky regex) right after it, not running on into a word
 * character: the markup, the match and where the word ends.
 */
function openingWord(t: string, words: RegExp): { heading: boolean; bold: string | null; match: RegExpExecArray; end: number } | null {
  const open = openingMarkup(t);
  if (!open) return null;
  words.lastIndex = open.end;
  const match = words.exec(t);
  if (!match) return null;
  const end = open.end + match[0].length;
  if (isWordChar(t[end])) return null;
  return { heading: open.heading, bold: open.bold, match, end };
}

/**
 * "Step k:", "Step k.", "Step k -", "Step k" alone, "**Step k**", "**Step k:**", "**Step k**:",
 * "**Step k: Title**", "## Step k", "### Step k: Title", "# Step k - Title". A plain "Step k"
 * followed by prose without a separator ("Step 1 is easy") is not a marker.
 */
export function matchStepMarker(t: string): StepMarker | null {
  const open = openingWord(t, STEP_WORD); // not "Step 1a", "Step 12x"
  if (!open) return null;
  const { heading, bold } = open;
  const number = Number(open.match[1]);
  let i = skipBlanks(t, open.end);
  let boldClosed = false;
  if (bold && t.startsWith(bold, i)) {
    boldClosed = true;
    i = skipBlanks(t, i + 2);
  }
  let separated = false;
  // charAt(i) is t[i] here (i < t.length), so SEPARATORS.includes never sees "".
  if (i < t.length && SEPARATORS.includes(t.charAt(i)) && !(t.charAt(i) === "." && /\d/.test(t[i + 1] ?? ""))) {
    separated = true;
    i = skipBlanks(t, i + 1);
  }
  if (bold && !boldClosed && t.startsWith(bold, i)) {
    boldClosed = true;
    i = skipBlanks(t, i + 2);
  }
  const rest = i < t.length;
  if (!separated && !boldClosed && !heading && rest) return null;
  let rebold: string | null = null;
  if (bold && !boldClosed && rest && t.indexOf(bold, i) > i) rebold = bold;
  return { length: i, number, rebold };
}

export interface NumberedItem {
  /** Length of "12. " / "3) " including the spaces after it. */
  length: number;
  number: number;
}

/** "1. text", "2) text", "10." alone. Not "3.14 is pi" nor "1.5". */
export function matchNumberedItem(t: string): NumberedItem | null {
  const m = /^(\d{1,9})[.)](?=[ \t]|$)[ \t]*/.exec(t);
  return m ? { length: m[0].length, number: Number(m[1]) } : null;
}

export interface SectionLabel {
  /** Where the section's own text starts on this line (== t.length when it starts on the next line). */
  contentOffset: number;
}

function matchLabel(t: string, words: RegExp): SectionLabel | null {
  const open = openingWord(t, words);
  if (!open) return null;
  let i = open.end;
  const { heading, bold } = open;
  const n = /^[ \t]+\d+(?![\p{L}\p{N}_])/u.exec(t.slice(i)); // "Problem 3:"
  if (n) i += n[0].length;
  i = skipBlanks(t, i);
  let boldClosed = false;
  if (bold && t.startsWith(bold, i)) {
    boldClosed = true;
    i = skipBlanks(t, i + 2);
  }
  let colon = false;
  if (t[i] === ":" || t[i] === "：") {
    colon = true;
    i = skipBlanks(t, i + 1);
  }
  if (bold && !boldClosed && t.startsWith(bold, i)) {
    boldClosed = true;
    i = skipBlanks(t, i + 2);
  }
  if (heading) {
    const closing = /^#+[ \t]*$/.exec(t.slice(i)); // "## Problem ##"
    if (closing) i = t.length;
    if (!colon && i < t.length) return null; // "## Problem solving tips" is another heading
  } else if (!colon) {
    // "**Problem**" or "Solution" alone on its line is a heading; "Problem solving is fun" is prose.
    if (i < t.length || (bold && !boldClosed)) return null;
  }
  return { contentOffset: i };
}

const PROBLEM_WORDS = /(?:problem(?:[ \t]+statement)?|question)/iy;
const SOLUTION_WORDS = /(?:(?:student|model|proposed|reference)[ \t]+)?(?:solution|response|reasoning|proof)/iy;

/** "Problem:", "Question:", "**Problem:**", "# Problem", "## Problem Statement", "**Question**". */
export function matchProblemLabel(t: string): SectionLabel | null {
  return matchLabel(t, PROBLEM_WORDS);
}

/** "Solution:", "Response:", "**Solution**", "# Solution", "## Student Solution:". */
export function matchSolutionHeader(t: string): SectionLabel | null {
  return matchLabel(t, SOLUTION_WORDS);
}

/** An ATX heading line ("# …" to "###### …"). */
export function isHeading(t: string): boolean {
  return /^#{1,6}(?:[ \t]|$)/.test(t);
}

/** A fence opener: ``` or ~~~ (3 or more). Returns the fence char and length, or null. */
export function matchFence(t: string): { char: string; length: number } | null {
  const m = /^(`{3,}|~{3,})/.exec(t);
  const fence = m?.[1]; // the group takes part in every match
  if (fence === undefined) return null;
  const char = fence.charAt(0); // fence has 3 or more characters
  // A backtick fence's info string may not contain backticks.
  if (char === "`" && t.indexOf("`", fence.length) >= 0) return null;
  return { char, length: fence.length };
}

/** A closing fence for an opener of `char` × `length`. */
export function isFenceClose(t: string, char: string, length: number): boolean {
  let i = 0;
  while (i < t.length && t[i] === char) i++;
  return i >= length && t.slice(i).trim() === "";
}
