/**
 * The logical lines of a text trace, with the block structure the segmenter must respect:
 * - which lines lie inside a fenced code block (``` / ~~~, CommonMark: an unclosed fence runs to
 *   the end) or inside display math (`$$…$$`, `\[…\]`, `\begin{env}…\end{env}`), where no step
 *   may start and blank lines do not separate anything;
 * - `<think>` / `</think>` tags (outside code), which become pieces of their own: hard boundaries.
 * A display-math opener that is never closed is taken for a typo (it would otherwise swallow the
 * rest of the trace) and ignored, up to MAX_MATH_RETRIES times per trace; after that an unclosed
 * block runs to the end.
 * Everything here is one pass over the text (plus a pass over the math tokens): O(n).
 */
import type { LineIndex } from "../../core/lineIndex";
import { isFenceClose, matchFence } from "./markers";

const MAX_MATH_RETRIES = 8;

type MathToken = { line: number; kind: "$$" | "\\[" | "\\]" | "begin" | "end"; name: string };

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 0xfeff || c === 0xa0;
}

/** Row `k` of a table the caller knows has it; a named internal error (not a silent undefined) when it does not. */
function rowOf<T>(column: ArrayLike<T>, k: number, what: string): T {
  const value = column[k];
  if (value === undefined) throw new RangeError(`internal: ${what} ${k} is not there (${column.length} rows)`);
  return value;
}

const BLANK = 1;
const INSIDE = 2;
const THINK_OPEN = 4;
const THINK_CLOSE = 8;

/**
 * The logical lines, one row each, in typed arrays (a trace of 100k steps has hundreds of
 * thousands of lines: objects would cost the garbage collector more than the segmentation).
 * A row is a physical line, or a piece of one when a think tag splits it.
 */
export class LineTable {
  length = 0;
  /** Physical 0-based line. */
  line: Int32Array;
  /** Offset where the piece starts (the line start, or just after a think tag on the same line). */
  start: Int32Array;
  /** Offset just after the piece's last character (before the line break or the next tag). */
  end: Int32Array;
  /** Offset of the first non-whitespace character (== end when blank). */
  textStart: Int32Array;
  /** Offset just after the last non-whitespace character (== textStart when blank). */
  textEnd: Int32Array;
  /** Indentation in columns (a tab advances to the next multiple of 4). */
  indent: Int32Array;
  private flags: Uint8Array;

  constructor(
    private readonly source: string,
    capacity: number,
  ) {
    const n = Math.max(16, capacity);
    this.line = new Int32Array(n);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.textStart = new Int32Array(n);
    this.textEnd = new Int32Array(n);
    this.indent = new Int32Array(n);
    this.flags = new Uint8Array(n);
  }

  /** Appends the piece [start, end) of physical line `line`; returns its row. */
  push(line: number, start: number, end: number, think: "open" | "close" | null = null): number {
    if (this.length === this.line.length) this.grow();
    const source = this.source;
    let s = start;
    let indent = 0;
    while (s < end && isWs(source.charCodeAt(s))) {
      indent = source.charCodeAt(s) === 9 ? indent + 4 - (indent % 4) : indent + 1;
      s++;
    }
    let e = end;
    while (e > s && isWs(source.charCodeAt(e - 1))) e--;
    const k = this.length++;
    this.line[k] = line;
    this.start[k] = start;
    this.end[k] = end;
    this.textStart[k] = s;
    this.textEnd[k] = e;
    this.indent[k] = indent;
    this.flags[k] = think === "open" ? THINK_OPEN : think === "close" ? THINK_CLOSE : s === e ? BLANK : 0;
    return k;
  }

  /** Physical line of row k. */
  lineOf(k: number): number {
    return rowOf(this.line, k, "line table row");
  }

  /** Offset where row k starts. */
  startOf(k: number): number {
    return rowOf(this.start, k, "line table row");
  }

  /** Offset of row k's first non-whitespace character. */
  textStartOf(k: number): number {
    return rowOf(this.textStart, k, "line table row");
  }

  /** Offset just after row k's last non-whitespace character. */
  textEndOf(k: number): number {
    return rowOf(this.textEnd, k, "line table row");
  }

  /** Indentation of row k in columns. */
  indentOf(k: number): number {
    return rowOf(this.indent, k, "line table row");
  }

  /** Removes the last row (a blank piece next to a think tag). */
  pop(): void {
    this.length--;
  }

  /** No text (a think tag piece is not blank). */
  blank(k: number): boolean {
    return ((this.flags[k] ?? 0) & BLANK) !== 0; // (a missing row's undefined & BLANK was 0 too)
  }

  /** Starts inside a fenced code block or display math: no marker, no split. */
  inside(k: number): boolean {
    return ((this.flags[k] ?? 0) & INSIDE) !== 0;
  }

  setInside(k: number): void {
    this.flags[k] = (this.flags[k] ?? 0) | INSIDE; // (a write past the end is dropped, as before)
  }

  /** A `<think>` / `</think>` tag piece: a hard boundary, not content. */
  think(k: number): "open" | "close" | null {
    const f = this.flags[k] ?? 0;
    return f & THINK_OPEN ? "open" : f & THINK_CLOSE ? "close" : null;
  }

  isThink(k: number): boolean {
    return ((this.flags[k] ?? 0) & (THINK_OPEN | THINK_CLOSE)) !== 0;
  }

  /** Moves the start of row k's text (a consumed "Solution:" label); to its end makes it blank. */
  skipText(k: number, chars: number): void {
    const textStart = Math.min(this.textEndOf(k), this.textStartOf(k) + chars);
    this.textStart[k] = textStart;
    this.indent[k] = 0;
    if (textStart === this.textEndOf(k)) this.flags[k] = (this.flags[k] ?? 0) | BLANK;
  }

  private grow(): void {
    const n = this.line.length * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.line = widen(this.line);
    this.start = widen(this.start);
    this.end = widen(this.end);
    this.textStart = widen(this.textStart);
    this.textEnd = widen(this.textEnd);
    this.indent = widen(this.indent);
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.flags = f;
  }
}

/**
 * Finds display-math tokens line by line. It jumps between "$" and "\\" with indexOf (fast, and
 * each position is passed over once in all: the next occurrence is remembered across lines).
 */
class MathScanner {
  private nextDollar = -1;
  private nextBackslash = -1;

  constructor(private readonly source: string) {}

  private next(ch: string, from: number): number {
    const at = this.source.indexOf(ch, from);
    return at < 0 ? Infinity : at;
  }

  /** Appends the tokens of [start, end) (one logical line, number `line`) to `out`. */
  scan(start: number, end: number, line: number, out: MathToken[]): void {
    const source = this.source;
    let pos = start;
    for (;;) {
      if (this.nextDollar < pos) this.nextDollar = this.next("$", pos);
      if (this.nextBackslash < pos) this.nextBackslash = this.next("\\", pos);
      const i = Math.min(this.nextDollar, this.nextBackslash);
      if (i >= end) return;
      if (i === this.nextDollar) {
        if (i + 1 < end && source.charCodeAt(i + 1) === 36 /* $ */) {
          out.push({ line, kind: "$$", name: "" });
          pos = i + 2;
        } else pos = i + 1;
        continue;
      }
      const n = source.charCodeAt(i + 1);
      if (n === 91 /* [ */) out.push({ line, kind: "\\[", name: "" });
      else if (n === 93 /* ] */) out.push({ line, kind: "\\]", name: "" });
      else if (n === 98 /* b */ || n === 101 /* e */) {
        const m = /^\\(begin|end)[ \t]*\{([^{}\s]{1,40})\}/.exec(source.slice(i, Math.min(end, i + 50)));
        // Both groups take part in every match.
        const keyword = m?.[1];
        const name = m?.[2];
        if (m && keyword !== undefined && name !== undefined) {
          out.push({ line, kind: keyword as "begin" | "end", name });
          pos = i + m[0].length;
          continue;
        }
      }
      pos = i + 2; // past the escaped character: "\\\\[2pt]" is a line break, "\\$" a dollar
    }
  }
}

/**
 * Marks the lines inside display math. A block opened on line a and closed on line b makes lines
 * a+1..b "inside" (the opener line itself may start a step; the closer line may not).
 */
function markMath(lines: LineTable, tokens: MathToken[]): void {
  const inert = new Set<number>();
  let from = 0;
  for (let attempt = 0; ; attempt++) {
    let open = -1; // token index of the outermost opener
    let kind: MathToken["kind"] | null = null;
    const envs: string[] = [];
    let unclosed = -1;
    for (let t = from; t < tokens.length; t++) {
      if (inert.has(t)) continue;
      const tok = rowOf(tokens, t, "math token"); // t < tokens.length
      if (open < 0) {
        if (tok.kind === "$$" || tok.kind === "\\[" || tok.kind === "begin") {
          open = t;
          kind = tok.kind;
          if (tok.kind === "begin") envs.push(tok.name);
        }
        continue;
      }
      let closed = false;
      if (kind === "$$") closed = tok.kind === "$$";
      else if (kind === "\\[") closed = tok.kind === "\\]";
      else if (tok.kind === "begin") envs.push(tok.name);
      else if (tok.kind === "end") {
        const at = envs.lastIndexOf(tok.name);
        if (at >= 0) envs.length = at;
        closed = envs.length === 0;
      }
      if (closed) {
        for (let l = rowOf(tokens, open, "math token").line + 1; l <= tok.line; l++) lines.setInside(l);
        open = -1;
        kind = null;
      }
    }
    if (open >= 0) unclosed = open;
    if (unclosed < 0) return;
    if (attempt >= MAX_MATH_RETRIES) {
      for (let l = rowOf(tokens, unclosed, "math token").line + 1; l < lines.length; l++) lines.setInside(l);
      return;
    }
    // Ignore the stray opener and look again from just after it.
    inert.add(unclosed);
    from = unclosed + 1;
  }
}

/** Logical lines of physical lines [fromLine, lineCount) of the source. */
export function buildLines(source: string, index: LineIndex, fromLine = 0): LineTable {
  const lines = new LineTable(source, index.lineCount - fromLine + 8);
  const tokens: MathToken[] = [];
  const math = new MathScanner(source);
  let fence: { char: string; length: number } | null = null;
  let nextThink = -1; // next "think>" at or after the current line (Infinity: none left)
  for (let ln = fromLine; ln < index.lineCount; ln++) {
    const start = index.lineStart(ln);
    const end = index.lineEnd(ln);
    const k = lines.push(ln, start, end);
    const textStart = lines.textStartOf(k);
    const textEnd = lines.textEndOf(k);
    const c0 = source.charCodeAt(textStart);
    if (fence) {
      lines.setInside(k);
      if (lines.indentOf(k) <= 3 && c0 === fence.char.charCodeAt(0) && isFenceClose(source.slice(textStart, textEnd), fence.char, fence.length)) fence = null;
      continue;
    }
    const opener = lines.indentOf(k) <= 3 && (c0 === 96 /* ` */ || c0 === 126) /* ~ */ ? matchFence(source.slice(textStart, textEnd)) : null;
    if (opener) {
      fence = opener;
      continue;
    }
    if (nextThink < textStart) {
      const at = source.indexOf("think>", textStart);
      nextThink = at < 0 ? Infinity : at;
    }
    if (nextThink < textEnd) {
      // Split the line at each <think> / </think> tag: replace row k by pieces.
      lines.pop();
      const text = source.slice(textStart, textEnd);
      const re = /<(\/?)think>/g;
      let pieceStart = start;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const tagStart = textStart + m.index;
        const tagEnd = tagStart + m[0].length;
        if (tagStart > pieceStart) {
          const p = lines.push(ln, pieceStart, tagStart);
          if (lines.blank(p)) lines.pop();
          else math.scan(lines.textStartOf(p), lines.textEndOf(p), p, tokens);
        }
        lines.push(ln, tagStart, tagEnd, m[1] ? "close" : "open");
        pieceStart = tagEnd;
      }
      if (pieceStart < end) {
        const p = lines.push(ln, pieceStart, end);
        if (lines.blank(p)) lines.pop();
        else math.scan(lines.textStartOf(p), lines.textEndOf(p), p, tokens);
      }
      continue;
    }
    math.scan(textStart, textEnd, k, tokens);
  }
  markMath(lines, tokens);
  return lines;
}
