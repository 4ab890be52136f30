/**
 * An independent parquet reader for tests: parquet-wasm (the Rust `parquet` crate of arrow-rs, built
 * to WebAssembly) decodes the file into Arrow IPC, apache-arrow reads that. Neither shares code with
 * hyparquet-writer, which writes StepLens's parquet: a file both agree on is standard parquet.
 * Loaded at run time (not bundled): parquet-wasm reads its .wasm file next to its own module.
 */
import { createRequire } from "node:module";
import path from "node:path";

export interface ParquetTable {
  /** `name: Type` per top-level column, as Arrow prints the types (e.g. `prompt: List<Struct<{role:Utf8, content:Utf8}>>`). */
  fields: string[];
  /** Rows as plain objects (int64 as bigint). */
  rows: Record<string, unknown>[];
}

export function readParquetIndependently(bytes: Uint8Array): ParquetTable {
  const req = createRequire(path.join(process.cwd(), "package.json"));
  const wasm = req("parquet-wasm/node") as { readParquet(b: Uint8Array): { intoIPCStream(): Uint8Array } };
  const arrow = req("apache-arrow") as {
    tableFromIPC(b: Uint8Array): { schema: { fields: { name: string; type: unknown }[] }; toArray(): { toJSON(): Record<string, unknown> }[] };
  };
  const table = arrow.tableFromIPC(wasm.readParquet(bytes).intoIPCStream());
  const plain = (v: unknown): unknown => {
    if (v && typeof v === "object") {
      if (Array.isArray(v)) return v.map(plain);
      const o = v as { toJSON?: () => unknown };
      if (typeof o.toJSON === "function") return plain(o.toJSON()); // Arrow vectors → arrays, struct rows → objects
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
    }
    return v;
  };
  return {
    fields: table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`),
    rows: table.toArray().map((r) => plain(r.toJSON()) as Record<string, unknown>),
  };
}
