/**
 * Turning a text trace file's bytes into text, refusing what is not text instead of guessing:
 * - a binary file (a NUL byte, or mostly bytes that are neither printable nor UTF-8) is refused
 *   (StepLensError code "binary-file"): a `.trace.md` that is really an image or an archive is not
 *   segmented into nonsense steps;
 * - invalid UTF-8 is decoded with U+FFFD replacement characters, and a warning names the first bad
 *   byte as `file:line` (code "invalid-utf8"); with `strict` that warning is an error instead.
 * No `vscode` import.
 */
import { StepLensError } from "../core/errors";

/** Bytes looked at to decide "binary" (the start of the file, as git and grep do). */
const SNIFF_BYTES = 64 * 1024;
/** More than this share of suspicious bytes in the sample: binary. */
const BINARY_SHARE = 0.3;

export interface DecodedText {
  text: string;
  /** At most one: the first invalid UTF-8 byte (empty under `strict`, which throws instead). */
  warnings: StepLensError[];
}

/**
 * Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte at `i` starts none
 * (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or cut short).
 */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === undefined) return 0; // past the end starts no sequence (every comparison below was false for it)
  if (c < 0x80) return 1;
  const c1 = b[i + 1];
  if (c1 === undefined || !isContinuation(c1)) return 0; // every longer form needs a continuation byte here
  if (c >= 0xc2 && c <= 0xdf) return 2;
  if (c >= 0xe0 && c <= 0xef) {
    if (!isContinuationAt(b, i + 2)) return 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0; // overlong; surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!isContinuationAt(b, i + 2) || !isContinuationAt(b, i + 3)) return 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0; // overlong; > U+10FFFF
    return 4;
  }
  return 0;
}

/** A UTF-8 continuation byte (10xxxxxx). */
function isContinuation(c: number): boolean {
  return (c & 0xc0) === 0x80;
}

/** b[j] is there and is a continuation byte. */
function isContinuationAt(b: Uint8Array, j: number): boolean {
  const c = b[j];
  return c !== undefined && isContinuation(c);
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i]; // i < bytes.length: always a byte
    if (c !== undefined && c < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/** Why `bytes` look binary ("contains a NUL byte at offset 12"), or null when they look like text. */
export function binaryReason(bytes: Uint8Array): string | null {
  const n = Math.min(bytes.length, SNIFF_BYTES);
  let suspicious = 0;
  for (let i = 0; i < n;) {
    const c = bytes[i];
    if (c === undefined) break; // i < n <= bytes.length: never
    if (c === 0) return `it contains a NUL byte (at byte ${i})`;
    if (c < 0x80) {
      // Control characters other than tab, line feed, vertical tab, form feed, carriage return and escape.
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) suspicious++;
      else if (c === 0x7f) suspicious++;
      i++;
      continue;
    }
    const len = sequenceLength(bytes, i);
    if (len === 0) {
      suspicious++;
      i++;
    } else i += len;
  }
  if (n >= 16 && suspicious / n > BINARY_SHARE) return `${Math.round((100 * suspicious) / n)}% of its first ${n} bytes are neither text nor UTF-8`;
  return null;
}

/** 1-based line of byte `offset` (line feeds before it, plus one). */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * The invalid-UTF-8 problem at `file:line` (code "invalid-utf8"): a warning (bad bytes read as
 * U+FFFD), or under `strict` the refusal. Trace files and dataset records (./jsonStream.ts) share it.
 */
export function invalidUtf8Error(
  file: string,
  line: number,
  offset: number,
  byte: number,
  strict = false,
  what = "the first of possibly several",
): StepLensError {
  return new StepLensError(
    `invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, "0")} at offset ${offset}, ${what})${strict ? "" : "; bad bytes read as U+FFFD"}.`,
    {
      file,
      line,
      code: "invalid-utf8",
      hint: strict
        ? "Save the file as UTF-8, or run without --strict to read it with replacement characters."
        : "Save the file as UTF-8 (--strict refuses such files).",
    },
  );
}

/** Decodes a text trace file's bytes; see the module comment. Throws a StepLensError for a binary file (and, with `strict`, for invalid UTF-8). */
export function decodeTraceText(bytes: Uint8Array, file: string, options: { strict?: boolean } = {}): DecodedText {
  const binary = binaryReason(bytes);
  if (binary)
    throw new StepLensError(`this is not a text file: ${binary}.`, {
      file,
      code: "binary-file",
      hint: "StepLens reads traces as UTF-8 text (Markdown or plain text). Give the trace itself; a UTF-16 file must be saved as UTF-8 first.",
    });
  const bad = firstInvalidUtf8(bytes);
  const warnings: StepLensError[] = [];
  const badByte = bytes[bad]; // undefined when bad is -1
  if (badByte !== undefined) {
    const e = invalidUtf8Error(file, lineOfByte(bytes, bad), bad, badByte, options.strict);
    if (options.strict) throw e;
    warnings.push(e);
  }
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"), warnings };
}
