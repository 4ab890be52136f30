/**
 * Streaming readers for JSON datasets: memory stays bounded by the largest record, whatever the
 * file size.
 * - JSONL: one record per non-blank line, read with readline over a file stream, with 1-based lines.
 * - A top-level JSON array (ProcessBench ships JSON lists): the shared byte scanner (./jsonScanner.ts)
 *   finds where each element starts and ends (tracking strings, escapes and nesting depth) and hands
 *   back each element's text and the line it starts on; the caller JSON.parses one element at a time.
 * Both give raw text, never parsed values, so a bad record can be reported and skipped by the caller.
 */
import { isUtf8 } from "node:buffer";
import fs from "node:fs";
import readline from "node:readline";
import type { Readable } from "node:stream";
import { throwIfAborted } from "../core/errors";
import { firstInvalidUtf8 } from "./decodeText";
import { JsonArrayScanner, JsonlScanner } from "./jsonScanner";

/** The text of one record and where it starts. */
export interface RawRecord {
  /** 0-based position of the record in the dataset. */
  index: number;
  /** 1-based line on which the record starts. */
  line: number;
  text: string;
  /** The record's first byte that is not UTF-8 (its text has U+FFFD there): file offset, 1-based line, the byte. */
  invalidUtf8?: { offset: number; line: number; byte: number };
}

/** A raw record from its bytes: decoded, with the first invalid UTF-8 byte noted (records read from bytes only). */
function rawRecord(bytes: Buffer, index: number, line: number, offset: number): RawRecord {
  const raw: RawRecord = { index, line, text: bytes.toString("utf8") };
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    let badLine = line;
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < at; i = bytes.indexOf(0x0a, i + 1)) badLine++;
    const byte = bytes[at];
    if (byte === undefined) throw new Error("internal: isUtf8 and firstInvalidUtf8 disagree on a record"); // both validate UTF-8 the same way
    raw.invalidUtf8 = { offset: offset + at, line: badLine, byte };
  }
  return raw;
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

/** Records of a JSONL byte stream: each non-blank line (white space and a BOM trimmed), with its 1-based line. */
export async function* splitJsonLines(chunks: AsyncIterable<Buffer>, options: { signal?: AbortSignal } = {}): AsyncGenerator<RawRecord> {
  let ready: RawRecord[] = [];
  let index = 0;
  const scanner = new JsonlScanner((bytes, offset, line) => ready.push(rawRecord(bytes, index++, line, offset)));
  for await (const chunk of chunks) {
    throwIfAborted(options.signal);
    scanner.push(chunk);
    const batch = ready;
    ready = [];
    yield* batch;
  }
  scanner.end();
  yield* ready;
}

/**
 * Elements of a top-level JSON array read from chunks, by the shared byte scanner
 * (./jsonScanner.ts) that the dataset index uses too. An element's text is everything between its
 * separators, trimmed; an empty one (`[1,,2]`) comes back with text "" so the caller reports it.
 * Structural problems that leave no way to find the next element (no `[` at the start, an array that
 * is never closed, text after the closing `]`) throw a StepLensError naming the file and line.
 */
export async function* splitJsonArray(
  chunks: AsyncIterable<string | Buffer>,
  options: { file?: string; signal?: AbortSignal } = {},
): AsyncGenerator<RawRecord> {
  let ready: RawRecord[] = [];
  let index = 0;
  const scanner = new JsonArrayScanner((bytes, offset, line) => ready.push(rawRecord(bytes, index++, line, offset)), options.file);
  let carry = ""; // a high surrogate at the end of a text chunk waits for its pair
  for await (const piece of chunks) {
    throwIfAborted(options.signal);
    if (typeof piece === "string") {
      let text = carry + piece;
      carry = "";
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        carry = text.slice(-1);
        text = text.slice(0, -1);
      }
      scanner.push(Buffer.from(text, "utf8"));
    } else scanner.push(piece);
    const batch = ready;
    ready = [];
    yield* batch;
  }
  if (carry) scanner.push(Buffer.from(carry, "utf8"));
  scanner.end();
  yield* ready;
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
  // Both containers are scanned as bytes (exact, no character cut at a chunk boundary, and invalid
  // UTF-8 is noted per record instead of vanishing into U+FFFD).
  const stream = fs.createReadStream(file, { highWaterMark: options.highWaterMark ?? 1 << 16 });
  options.onStream?.(stream);
  try {
    if (container === "jsonl") yield* splitJsonLines(stream, options);
    else yield* splitJsonArray(stream, { file, signal: options.signal });
  } finally {
    stream.destroy();
  }
}
