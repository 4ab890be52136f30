/**
 * Streaming readers for JSON datasets: memory stays bounded by the largest record, whatever the
 * file size.
 * - JSONL: one record per non-blank line, read with readline over a file stream, with 1-based lines.
 * - A top-level JSON array (ProcessBench ships JSON lists): a small state machine over the text chunks
 *   finds where each element starts and ends (tracking strings, escapes and nesting depth) and hands
 *   back each element's text and the line it starts on; the caller JSON.parses one element at a time.
 * Both give raw text, never parsed values, so a bad record can be reported and skipped by the caller.
 */
import fs from "node:fs";
import readline from "node:readline";
import type { Readable } from "node:stream";
import { StepLensError, throwIfAborted } from "../core/errors";

/** The text of one record and where it starts. */
export interface RawRecord {
  /** 0-based position of the record in the dataset. */
  index: number;
  /** 1-based line on which the record starts. */
  line: number;
  text: string;
}

export type DatasetContainer = "jsonl" | "json-array";

export interface StreamOptions {
  signal?: AbortSignal;
  /** Read-chunk size in bytes (tests use tiny ones to cross chunk boundaries). */
  highWaterMark?: number;
}

/** A UTF-8 text stream over a file (multi-byte characters split across chunks are decoded correctly). */
export function openTextStream(file: string, options: StreamOptions = {}): fs.ReadStream {
  return fs.createReadStream(file, { encoding: "utf8", highWaterMark: options.highWaterMark ?? 1 << 16 });
}

/** Records of a JSONL stream: each non-blank line, with its 1-based line number. */
export async function* readJsonLines(input: Readable, options: { signal?: AbortSignal } = {}): AsyncGenerator<RawRecord> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  try {
    for await (const raw of rl) {
      line++;
      throwIfAborted(options.signal);
      const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") continue;
      yield { index: index++, line, text };
    }
  } finally {
    rl.close();
  }
}

const enum State {
  /** Before the opening `[`. */
  Before,
  /** Inside the array, between elements (after `[` or `,`). */
  Between,
  /** Inside an element. */
  Element,
  /** After the closing `]`. */
  After,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const STRING_STOP = /["\\\n]/g;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

/**
 * Elements of a top-level JSON array read from text chunks. An element's text is everything between
 * its separators, trimmed; an empty one (`[1,,2]`) comes back with text "" so the caller reports it.
 * Structural problems that leave no way to find the next element (no `[` at the start, an array that
 * is never closed, text after the closing `]`) throw a StepLensError naming the file and line.
 */
export async function* splitJsonArray(
  chunks: AsyncIterable<string | Buffer>,
  options: { file?: string; signal?: AbortSignal } = {},
): AsyncGenerator<RawRecord> {
  const file = options.file;
  let state = State.Before as State; // (widened: TS cannot follow the assignments in the loop)
  let line = 1;
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let elementLine = 0;
  let index = 0;
  let sawComma = false; // the last separator was a comma (so `]` now means an empty trailing element)

  const finish = (): RawRecord => {
    const text = parts.join("").trimEnd();
    parts = [];
    return { index: index++, line: elementLine, text };
  };

  for await (const piece of chunks) {
    throwIfAborted(options.signal);
    const chunk = typeof piece === "string" ? piece : piece.toString("utf8");
    let start = state === State.Element ? 0 : -1; // where the current element's text begins in this chunk
    const ready: RawRecord[] = [];
    for (let i = 0; i < chunk.length; i++) {
      if (inString && !escaped && state === State.Element) {
        // Fast path: jump over string content to the next quote, backslash or line break.
        STRING_STOP.lastIndex = i;
        if (!STRING_STOP.exec(chunk)) break; // the rest of the chunk is inside the string
        i = STRING_STOP.lastIndex - 1;
      }
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      switch (state) {
        case State.Element:
          if (inString) {
            if (escaped) escaped = false;
            else if (c === BACKSLASH) escaped = true;
            else if (c === QUOTE) inString = false;
          } else if (c === QUOTE) inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
          else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) depth--;
          else if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
            parts.push(chunk.slice(start, i));
            ready.push(finish());
            start = -1;
            sawComma = c === COMMA;
            state = c === COMMA ? State.Between : State.After;
          }
          break;
        case State.Between:
          if (isSpace(c)) break;
          if (c === CLOSE_BRACKET) {
            if (sawComma) ready.push({ index: index++, line, text: "" }); // `[1,]`: a trailing comma
            state = State.After;
          } else if (c === COMMA) {
            ready.push({ index: index++, line, text: "" }); // `[1,,2]`
            sawComma = true;
          } else {
            state = State.Element;
            start = i;
            elementLine = line;
            depth = 0;
            inString = false;
            escaped = false;
            i--; // read this (non-space) character again as the element's first
          }
          break;
        case State.Before:
          if (isSpace(c)) break;
          if (c !== OPEN_BRACKET)
            throw new StepLensError(`expected a JSON array ('[') or one JSON object per line, found '${chunk[i]}'.`, {
              file,
              line,
              hint: "Check the file's format, or name it with --format.",
              code: "bad-container",
            });
          state = State.Between;
          sawComma = false;
          break;
        case State.After:
          if (!isSpace(c))
            throw new StepLensError("unexpected text after the closing ']' of the JSON array.", {
              file,
              line,
              hint: "Remove it, or put every record inside the array.",
              code: "bad-container",
            });
          break;
      }
    }
    if (state === State.Element && start >= 0) parts.push(chunk.slice(start));
    for (const r of ready) yield r;
  }
  if (state === State.Before)
    throw new StepLensError("the file is empty: expected a JSON array of records.", { file, line, code: "bad-container" });
  if (state !== State.After) {
    const where = state === State.Element ? `inside record ${index}, which starts on line ${elementLine}` : `after record ${index - 1}`;
    throw new StepLensError(`the JSON array is never closed: the file ends ${where}.`, {
      file,
      line,
      hint: "The file may be truncated (an interrupted download?) or a string may be missing its closing quote.",
      code: "bad-container",
    });
  }
}

/** Decides JSONL vs JSON array from the first non-blank character of a file's first bytes. */
export function sniffContainer(head: string): DatasetContainer | null {
  const m = /^[\s\uFEFF]*(\S)/.exec(head);
  if (!m) return null;
  if (m[1] === "[") return "json-array";
  if (m[1] === "{") return "jsonl";
  return null;
}

/** The first `bytes` bytes of a file, decoded (a multi-byte character cut at the end is dropped). */
export async function readHead(file: string, bytes = 4096): Promise<string> {
  const handle = await fs.promises.open(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return new TextDecoder("utf-8", { fatal: false }).decode(buffer.subarray(0, bytesRead)).replace(/\uFFFD$/, "");
  } finally {
    await handle.close();
  }
}

/** Raw records of a dataset file, either container. The stream is closed when iteration ends. */
export async function* readRawRecords(
  file: string,
  container: DatasetContainer,
  options: StreamOptions & { onStream?: (stream: fs.ReadStream) => void } = {},
): AsyncGenerator<RawRecord> {
  const stream = openTextStream(file, options);
  options.onStream?.(stream);
  try {
    if (container === "jsonl") yield* readJsonLines(stream, options);
    else yield* splitJsonArray(stream, { file, signal: options.signal });
  } finally {
    stream.destroy();
  }
}
