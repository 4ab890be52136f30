/**
 * Offsets <-> 0-based line/character positions, exactly as VS Code counts them:
 * - characters are UTF-16 code units (an astral character such as "𝑥" counts 2);
 * - a line ends at "\n", "\r\n" or a lone "\r" (the break itself belongs to no line's content);
 * - positions past the end of a line's content are clamped to it, offsets to [0, text.length].
 * Line starts are computed once (O(n)); each lookup is a binary search (O(log lines)).
 * No `vscode` import here.
 */
import type { SourceRange, TextPosition } from "./trace";

/** Offsets where each line starts. Always at least one line (offset 0). */
export function computeLineStarts(text: string): number[] {
  // indexOf jumps (vectorised in V8) instead of a per-character loop.
  const starts = [0];
  let n = text.indexOf("\n");
  let r = text.indexOf("\r");
  while (n >= 0 || r >= 0) {
    if (r >= 0 && (n < 0 || r < n)) {
      if (r + 1 === n) {
        starts.push(n + 1); // \r\n
        n = text.indexOf("\n", n + 1);
      } else starts.push(r + 1); // a lone \r
      r = text.indexOf("\r", r + 1);
    } else {
      starts.push(n + 1);
      n = text.indexOf("\n", n + 1);
    }
  }
  return starts;
}

export class LineIndex {
  /** Offset of the first character of each line. */
  readonly lineStarts: readonly number[];

  constructor(readonly text: string) {
    this.lineStarts = computeLineStarts(text);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Offset of the first character of `line` (clamped to the existing lines). */
  lineStart(line: number): number {
    return this.startOf(this.clampLine(line));
  }

  /** Offset just after the last character of `line`'s content (its line break excluded). */
  lineEnd(line: number): number {
    const l = this.clampLine(line);
    if (l + 1 >= this.lineStarts.length) return this.text.length;
    let end = this.startOf(l + 1);
    if (end > 0 && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.startOf(l) && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** The content of `line`, without its line break. */
  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** 0-based line containing `offset` (an offset on a line break belongs to the line it ends). */
  lineAt(offset: number): number {
    const o = this.clampOffset(offset);
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const start = starts[mid]; // lo < mid <= hi < starts.length
      if (start !== undefined && start <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  positionAt(offset: number): TextPosition {
    const o = this.clampOffset(offset);
    const line = this.lineAt(o);
    const start = this.startOf(line);
    return { line, character: Math.min(o, this.lineEnd(line)) - start };
  }

  /** Offset of a position; a line past the end gives text.length, a character past the line's end its end. */
  offsetAt(position: TextPosition): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.startOf(position.line);
    const end = this.lineEnd(position.line);
    return Math.min(start + Math.max(0, position.character), end);
  }

  /** A SourceRange (offsets and positions) for [startOffset, endOffset). */
  range(startOffset: number, endOffset: number): SourceRange {
    const s = this.clampOffset(startOffset);
    const e = Math.max(s, this.clampOffset(endOffset));
    return { start: this.positionAt(s), end: this.positionAt(e), startOffset: s, endOffset: e };
  }

  /** Offset of the first character of line `l`, which must be one of the lines (clampLine's result is, unless `line` was NaN). */
  private startOf(l: number): number {
    const start = this.lineStarts[l];
    if (start === undefined) throw new RangeError(`LineIndex: line ${l} is not one of the lines 0..${this.lineStarts.length - 1}`);
    return start;
  }

  private clampLine(line: number): number {
    return Math.max(0, Math.min(this.lineStarts.length - 1, Math.trunc(line)));
  }

  private clampOffset(offset: number): number {
    return Math.max(0, Math.min(this.text.length, Math.trunc(offset)));
  }
}
