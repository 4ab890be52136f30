/**
 * YAML front matter at the top of a text trace:
 *
 *     ---
 *     id: algebra-17
 *     problem: |
 *       Find all real x with x^2 = 4.
 *     first_error: 2        # 0-based index of the first wrong step; -1 when all are correct
 *     ---
 *
 * Only the flat subset traces need is read: `key: value` with plain, "double-quoted",
 * 'single-quoted' or block (`|`, `|-`, `>`, `>-`) values; nested values are skipped. A leading
 * `---` whose following lines are not `key: value` lines is a Markdown thematic break, not front
 * matter. Values keep their exact offsets in the source, for ranges.
 */
import type { LineIndex } from "../../core/lineIndex";

export interface FrontMatterField {
  key: string;
  value: string;
  /** 0-based physical line of the key. */
  line: number;
  /** Span of the value in the source (quotes and block lines included). */
  start: number;
  end: number;
}

export interface FrontMatter {
  /** First physical line after the closing `---`. */
  bodyLine: number;
  fields: Map<string, FrontMatterField>;
}

const KEY_LINE = /^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+|$)/;
const MAX_LINES = 1000;

function stripComment(v: string): string {
  const m = /(^|[ \t])#/.exec(v);
  return (m ? v.slice(0, m.index) : v).trimEnd();
}

function indentOf(s: string): number {
  return s.length - s.trimStart().length;
}

export function parseFrontMatter(source: string, index: LineIndex): FrontMatter | null {
  const firstLine = index.lineText(0).replace(/^\ufeff/, "");
  if (firstLine.trimEnd() !== "---" || index.lineCount < 2) return null;
  const fields = new Map<string, FrontMatterField>();
  const limit = Math.min(index.lineCount, MAX_LINES);
  let ln = 1;
  while (ln < limit) {
    const text = index.lineText(ln);
    const trimmed = text.trimEnd();
    if (trimmed === "---" || trimmed === "...") return { bodyLine: ln + 1, fields };
    if (trimmed.trim() === "" || trimmed.trimStart().startsWith("#")) {
      ln++;
      continue;
    }
    const m = KEY_LINE.exec(text);
    if (!m) return null; // not YAML: a thematic break
    const key = m[1];
    if (key === undefined) throw new Error("internal: KEY_LINE's key group takes part in every match");
    const lineStart = index.lineStart(ln);
    const after = text.slice(m[0].length);
    const quoted = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')/.exec(after);
    const raw = quoted ? quoted[0] : stripComment(after);
    const valueStart = lineStart + m[0].length;
    // Lines that belong to this key: indented, or blank followed by indented.
    let last = ln;
    for (let k = ln + 1; k < limit; k++) {
      const t = index.lineText(k);
      if (t.trim() === "") continue;
      if (indentOf(t) > 0 && !/^(---|\.\.\.)\s*$/.test(t)) last = k;
      else break;
    }
    const block = /^([|>])([+-]?)$/.exec(raw);
    let field: FrontMatterField;
    if (block) {
      const body: string[] = [];
      let ind = -1;
      for (let k = ln + 1; k <= last; k++) {
        const t = index.lineText(k);
        if (t.trim() === "") {
          body.push("");
          continue;
        }
        if (ind < 0) ind = indentOf(t);
        body.push(t.slice(Math.min(ind, indentOf(t))).trimEnd());
      }
      let value: string;
      if (block[1] === "|") value = body.join("\n");
      else
        value = body
          .join("\n")
          .replace(/([^\n])\n(?=[^\n])/g, "$1 ")
          .replace(/\n\n/g, "\n");
      value = block[2] === "+" ? value : value.replace(/\n+$/, "");
      const start = last > ln ? index.lineStart(ln + 1) + Math.max(0, ind) : valueStart;
      field = { key, value, line: ln, start, end: index.lineEnd(last) };
    } else if (raw.startsWith('"') || raw.startsWith("'")) {
      const q = raw.charAt(0); // raw starts with the quote
      let value = raw;
      if (raw.length >= 2 && raw.endsWith(q)) {
        const inner = raw.slice(1, raw.length - 1);
        if (q === "'") value = inner.replace(/''/g, "'");
        else {
          try {
            value = JSON.parse(raw) as string;
          } catch {
            value = inner;
          }
        }
      }
      field = { key, value, line: ln, start: valueStart, end: valueStart + raw.length };
    } else if (raw === "" && last > ln) {
      // A nested mapping or list: not needed for traces; keep the key with an empty value.
      field = { key, value: "", line: ln, start: valueStart, end: valueStart };
    } else {
      // A plain scalar, possibly continued on indented lines (folded with spaces).
      const parts = [raw.trim()];
      for (let k = ln + 1; k <= last; k++) parts.push(stripComment(index.lineText(k)).trim());
      const value = parts.filter((p) => p !== "").join(" ");
      const end = last > ln ? index.lineEnd(last) : valueStart + raw.length;
      field = { key, value, line: ln, start: valueStart, end };
    }
    fields.set(key, field);
    ln = last + 1;
  }
  return null; // no closing "---" within MAX_LINES: not front matter
}
