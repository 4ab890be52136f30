import type { Trace } from "../core/trace";

/** `{"id", "record"}` that every dataset line of `--json` output starts with (id falls back to the record index). */
export function recordIdentity(trace: Trace): { id: string; record: number } {
  return { id: trace.source.id ?? String(trace.source.record ?? 0), record: trace.source.record ?? 0 };
}
