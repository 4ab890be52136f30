/**
 * The one buffered JSON Lines writer: a whole file of values, one JSON text per line, written
 * atomically (src/core/safeFs.ts: a temporary file, fsync, rename; never through a link) in chunks
 * of about `chunkChars` characters, so a large file never sits in memory as one string. Used by the
 * predictions files (src/eval/predictions.ts) and the JSONL exports (src/export/exportRun.ts).
 * No `vscode` import.
 */
import { AtomicFile, type SafeWriteOptions } from "./safeFs";

export interface JsonlFileOptions extends SafeWriteOptions {
  /** Write out the buffer once it holds this many characters (default 64 Ki). */
  chunkChars?: number;
}

/**
 * Writes `values` to `file` (below `root`) as JSON Lines, replacing it whole; returns the number of
 * lines. When a value cannot be serialised (or a write fails), the target is left as it was.
 */
export function writeJsonlFile(file: string, root: string, values: Iterable<unknown>, options: JsonlFileOptions = {}): number {
  const chunkChars = options.chunkChars ?? 1 << 16;
  const out = new AtomicFile(file, root, options);
  let lines = 0;
  try {
    let buffer = "";
    for (const value of values) {
      buffer += JSON.stringify(value) + "\n";
      lines++;
      if (buffer.length > chunkChars) {
        out.write(buffer);
        buffer = "";
      }
    }
    if (buffer) out.write(buffer);
  } catch (e) {
    out.abort();
    throw e;
  }
  out.commit();
  return lines;
}
