/**
 * Splits step text into plain-text and LaTeX segments for the inspector: `$$…$$` and `\[…\]`
 * (display), `\(…\)` and `$…$` (inline). `\$` is a literal dollar; an inline `$…$` must not start or
 * end with white space and stays on one paragraph (so "$5 and $6" is text). Unclosed delimiters
 * are text. Pure and small: the webview bundles it, and renders math segments with KaTeX in its
 * safe mode, text segments with textContent.
 */

export type Segment = { kind: "text"; text: string } | { kind: "math"; tex: string; display: boolean; source: string };

/** Longest TeX source sent to the renderer; longer math stays text. */
export const MAX_MATH_LENGTH = 4000;

/** Most characters of one text the inspector renders; the rest is cut off with a note (capRenderedText). */
export const MAX_RENDERED_TEXT = 20_000;

/** `text`, or its first MAX_RENDERED_TEXT characters and a note saying how many were left out. */
export function capRenderedText(text: string, max = MAX_RENDERED_TEXT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)} … [${(text.length - max).toLocaleString("en-US")} more characters not shown; open the file to read them]`;
}

/** Work done by splitMath (characters looked at), for tests that check it stays linear. */
export interface SplitWork {
  steps: number;
}

type Close = "$$" | "$" | "\\]" | "\\)";

/**
 * Splits `text` in linear time: the next closing delimiter at or after each position is computed
 * once per delimiter kind, from the end backwards (the scan that looked for a close from every
 * unclosed opener made 60 KB of `\(` take seconds).
 */
export function splitMath(text: string, work: SplitWork = { steps: 0 }): Segment[] {
  const out: Segment[] = [];
  const next = new Map<Close, Int32Array>();
  const findClose = (from: number, close: Close): number => {
    let table = next.get(close);
    if (!table) {
      table = nextCloseTable(text, close, work);
      next.set(close, table);
    }
    return from >= text.length ? -1 : (table[from] ?? -1);
  };
  let buf = "";
  const flush = () => {
    if (buf) out.push({ kind: "text", text: buf });
    buf = "";
  };
  let i = 0;
  while (i < text.length) {
    work.steps++;
    const c = text[i];
    if (c === "\\" && text[i + 1] === "$") {
      buf += "\\$";
      i += 2;
      continue;
    }
    let open = "";
    let close: Close | "" = "";
    let display = false;
    if (text.startsWith("$$", i)) [open, close, display] = ["$$", "$$", true];
    else if (text.startsWith("\\[", i)) [open, close, display] = ["\\[", "\\]", true];
    else if (text.startsWith("\\(", i)) [open, close, display] = ["\\(", "\\)", false];
    else if (c === "$") [open, close, display] = ["$", "$", false];
    if (!close) {
      buf += c;
      i++;
      continue;
    }
    const end = findClose(i + open.length, close);
    const length = end - (i + open.length);
    // Too long is text: checked before slicing, so a far-away close costs nothing per opener.
    const tex = end < 0 || length > MAX_MATH_LENGTH ? "" : text.slice(i + open.length, end);
    const inlineOk = open !== "$" || (tex.length > 0 && !/^\s|\s$/.test(tex) && !/\n\s*\n/.test(tex));
    if (end < 0 || length > MAX_MATH_LENGTH || !tex.trim() || !inlineOk) {
      buf += open;
      i += open.length;
      continue;
    }
    flush();
    out.push({ kind: "math", tex, display, source: text.slice(i, end + close.length) });
    i = end + close.length;
  }
  flush();
  return out;
}

/**
 * For every position p, where a scan for `close` starting at p finds it (-1: nowhere). Dollar
 * closes skip backslash-escaped characters (a scan at a backslash continues two further on);
 * `\)` and `\]` are found as they are. One pass from the end: each entry uses the next one or two.
 */
function nextCloseTable(text: string, close: Close, work: SplitWork): Int32Array {
  const n = text.length;
  const table = new Int32Array(n + 2).fill(-1);
  const escapes = close === "$" || close === "$$";
  for (let p = n - 1; p >= 0; p--) {
    work.steps++;
    // p + 2 ≤ n + 1 lies inside the table; `?? -1` (nowhere) only satisfies the index type.
    if (escapes && text[p] === "\\") table[p] = table[p + 2] ?? -1;
    else if (text.startsWith(close, p)) table[p] = p;
    else table[p] = table[p + 1] ?? -1;
  }
  return table;
}
