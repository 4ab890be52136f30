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

export function splitMath(text: string): Segment[] {
  const out: Segment[] = [];
  let buf = "";
  const flush = () => {
    if (buf) out.push({ kind: "text", text: buf });
    buf = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && text[i + 1] === "$") {
      buf += "\\$";
      i += 2;
      continue;
    }
    let open = "";
    let close = "";
    let display = false;
    if (text.startsWith("$$", i)) [open, close, display] = ["$$", "$$", true];
    else if (text.startsWith("\\[", i)) [open, close, display] = ["\\[", "\\]", true];
    else if (text.startsWith("\\(", i)) [open, close, display] = ["\\(", "\\)", false];
    else if (c === "$") [open, close, display] = ["$", "$", false];
    if (!open) {
      buf += c;
      i++;
      continue;
    }
    const end = findClose(text, i + open.length, close);
    const tex = end < 0 ? "" : text.slice(i + open.length, end);
    const inlineOk = open !== "$" || (tex.length > 0 && !/^\s|\s$/.test(tex) && !/\n\s*\n/.test(tex));
    if (end < 0 || !tex.trim() || !inlineOk || tex.length > MAX_MATH_LENGTH) {
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

/** Index of `close` at or after `from`, skipping backslash-escaped characters; -1 when absent. */
function findClose(text: string, from: number, close: string): number {
  for (let j = from; j < text.length; j++) {
    if (close === "$" || close === "$$") {
      if (text[j] === "\\") {
        j++;
        continue;
      }
      if (text.startsWith(close, j)) return j;
    } else if (text.startsWith(close, j)) return j;
  }
  return -1;
}
