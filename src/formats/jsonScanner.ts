/**
 * The one streaming scanner of JSON datasets, on bytes: it finds where each record of a JSONL file
 * (one per non-blank line) or of a top-level JSON array starts and ends, tracking strings, escapes
 * and nesting, and hands back each record's bytes (trimmed), its byte offset and the 1-based line
 * it starts on. Every structural character is ASCII and never occurs inside a UTF-8 multi-byte
 * sequence, so offsets are exact and a character split across chunks is never cut. The format
 * readers (./jsonStream.ts) decode the records to text; the dataset index (src/datasets) keeps the
 * offsets to read a record again later. Memory stays bounded by the largest record.
 */
import { StepLensError } from "../core/errors";

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export function isSpace(c: number): boolean {
  return c === 0x20 || c === NL || c === CR || c === 0x09;
}

/** Called with each record's bytes (trimmed; empty for an empty array element), byte offset and 1-based line. */
export type OnRecord = (bytes: Buffer, offset: number, line: number) => void;

export interface RecordScanner {
  /** Records seen so far. */
  readonly records: number;
  push(chunk: Buffer): void;
  /** The input ended: throws when a JSON array was never closed. */
  end(): void;
}

export function createRecordScanner(container: "jsonl" | "json-array", onRecord: OnRecord, file?: string): RecordScanner {
  return container === "jsonl" ? new JsonlScanner(onRecord) : new JsonArrayScanner(onRecord, file);
}

/** Collects a record's bytes across chunks. */
class Pending {
  private parts: Buffer[] = [];
  add(chunk: Buffer, from: number, to: number): void {
    if (to > from) this.parts.push(chunk.subarray(from, to));
  }
  take(): Buffer {
    const [only] = this.parts;
    const b = this.parts.length === 1 && only !== undefined ? only : Buffer.concat(this.parts);
    this.parts = [];
    return b;
  }
  get empty(): boolean {
    return this.parts.length === 0;
  }
}

/** Trims ASCII white space (and a UTF-8 BOM at the start) from both ends; returns [bytes, leading bytes removed]. */
function trim(b: Buffer): [Buffer, number] {
  let s = 0;
  let e = b.length;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) s = 3;
  // Indexes in [s, e) are within b: the `?? 0` (not a space) never applies.
  while (s < e && isSpace(b[s] ?? 0)) s++;
  while (e > s && isSpace(b[e - 1] ?? 0)) e--;
  return [b.subarray(s, e), s];
}

export class JsonlScanner implements RecordScanner {
  records = 0;
  private offset = 0; // bytes consumed so far
  private lineStart = 0; // byte offset of the current line
  private line = 1;
  private readonly pending = new Pending();
  constructor(private readonly onRecord: OnRecord) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (let i = chunk.indexOf(NL); i !== -1; i = chunk.indexOf(NL, i + 1)) {
      this.pending.add(chunk, from, i);
      this.emit();
      from = i + 1;
      this.lineStart = this.offset + from;
      this.line++;
    }
    this.pending.add(chunk, from, chunk.length);
    this.offset += chunk.length;
  }

  end(): void {
    this.emit();
  }

  private emit(): void {
    if (this.pending.empty) return;
    const [bytes, lead] = trim(this.pending.take());
    if (bytes.length === 0) return;
    this.records++;
    this.onRecord(bytes, this.lineStart + lead, this.line);
  }
}

const enum A {
  Before,
  Between,
  Element,
  After,
}

export class JsonArrayScanner implements RecordScanner {
  records = 0;
  private state = A.Before;
  private offset = 0;
  private line = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private sawComma = false;
  private elementStart = 0;
  private elementLine = 1;
  private readonly pending = new Pending();
  constructor(
    private readonly onRecord: OnRecord,
    private readonly file?: string,
  ) {}

  push(chunk: Buffer): void {
    let start = this.state === A.Element ? 0 : -1;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      if (this.inString) {
        // Fast path through string contents (most of the bytes), with locals: up to the closing quote.
        let escaped = this.escaped;
        let line = this.line;
        let j = i;
        for (; j < length; j++) {
          const d = chunk[j];
          if (d === NL) line++;
          if (escaped) escaped = false;
          else if (d === BACKSLASH) escaped = true;
          else if (d === QUOTE) break;
        }
        this.escaped = escaped;
        this.line = line;
        if (j < length) this.inString = false;
        i = j;
        continue;
      }
      const c = chunk[i];
      if (c === undefined) throw new RangeError(`internal: byte ${i} of a ${length}-byte chunk is not there`); // i < length: never
      if (c === NL) this.line++;
      switch (this.state) {
        case A.Element:
          if (c === QUOTE) this.inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
          else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 0) this.depth--;
          else if (this.depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
            this.pending.add(chunk, start, i);
            this.emit();
            start = -1;
            this.sawComma = c === COMMA;
            this.state = c === COMMA ? A.Between : A.After;
          }
          break;
        case A.Between:
          if (isSpace(c)) break;
          if (c === CLOSE_BRACKET) {
            if (this.sawComma) this.emitEmpty(this.offset + i);
            this.state = A.After;
          } else if (c === COMMA) {
            this.emitEmpty(this.offset + i);
            this.sawComma = true;
          } else {
            this.state = A.Element;
            start = i;
            this.elementStart = this.offset + i;
            this.elementLine = this.line;
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
            i--; // read this (non-space) character again as the element's first
          }
          break;
        case A.Before:
          if (isSpace(c) || ((c === 0xef || c === 0xbb || c === 0xbf) && this.offset + i < 3)) break;
          if (c !== OPEN_BRACKET)
            throw new StepLensError(`expected a JSON array ('[') or one JSON object per line, found '${String.fromCharCode(c)}'.`, {
              file: this.file,
              line: this.line,
              hint: "Check the file's format, or choose the format explicitly.",
              code: "bad-container",
            });
          this.state = A.Between;
          this.sawComma = false;
          break;
        case A.After:
          if (!isSpace(c))
            throw new StepLensError("unexpected text after the closing ']' of the JSON array.", {
              file: this.file,
              line: this.line,
              hint: "Remove it, or put every record inside the array.",
              code: "bad-container",
            });
          break;
      }
    }
    if (this.state === A.Element && start >= 0) this.pending.add(chunk, start, chunk.length);
    this.offset += chunk.length;
  }

  end(): void {
    if (this.state === A.Before)
      throw new StepLensError("the file is empty: expected a JSON array of records.", { file: this.file, line: this.line, code: "bad-container" });
    if (this.state !== A.After) {
      const where = this.state === A.Element ? `inside record ${this.records}, which starts on line ${this.elementLine}` : `after record ${this.records - 1}`;
      throw new StepLensError(`the JSON array is never closed: the file ends ${where}.`, {
        file: this.file,
        line: this.line,
        hint: "The file may be truncated (an interrupted download?) or a string may be missing its closing quote.",
        code: "bad-container",
      });
    }
  }

  private emit(): void {
    const [bytes] = trim(this.pending.take());
    this.records++;
    this.onRecord(bytes, this.elementStart, this.elementLine);
  }

  private emitEmpty(offset: number): void {
    this.records++;
    this.onRecord(Buffer.alloc(0), offset, this.line);
  }
}
