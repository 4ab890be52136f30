/**
 * How `steplens eval processbench` reports: ProcessBench's metrics as JSON or a table, notes on
 * undefined metrics and bad records (stderr). Shared by both modes. No `vscode` import.
 */
import type { ProcessBenchMetrics } from "../../eval/processbenchMetric";
import type { BadRecord } from "../../eval/processbenchData";
import type { CliIo } from "../command";

function fmt(x: number | null): string {
  return x === null ? "–" : x.toFixed(1);
}

export function metricsJson(m: ProcessBenchMetrics): {
  subsets: Record<string, { n: number; accError: number | null; accCorrect: number | null; f1: number | null }>;
  averageF1: number | null;
} {
  const subsets: Record<string, { n: number; accError: number | null; accCorrect: number | null; f1: number | null }> = {};
  for (const [name, s] of Object.entries(m.subsets)) subsets[name] = { n: s.n, accError: s.accError, accCorrect: s.accCorrect, f1: s.f1 };
  return { subsets, averageF1: m.averageF1 };
}

export function metricsTable(m: ProcessBenchMetrics): string {
  const rows = Object.entries(m.subsets).map(([name, s]) => [
    name,
    String(s.n),
    fmt(s.accError),
    fmt(s.accCorrect),
    fmt(s.f1),
    s.missing ? String(s.missing) : "",
  ]);
  const head = ["subset", "n", "acc_error", "acc_correct", "F1", "no prediction"];
  const average = ["average F1", "", "", "", fmt(m.averageF1), ""];
  const all = [head, ...rows, average];
  // Every row has head.length cells, so `?? ""` and `?? 0` only satisfy the index type.
  const widths = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line), line(average)].join("\n");
}

export function noteBadRecords(io: CliIo, bad: BadRecord[]): void {
  for (const b of bad.slice(0, 10)) io.stderr.write(`${b.message}\n`);
  if (bad.length > 10) io.stderr.write(`… and ${bad.length - 10} more bad records\n`);
}

/** Why a subset's metrics are undefined, one line each (none when all are defined). */
export function undefinedMetricNotes(m: ProcessBenchMetrics): string[] {
  const notes: string[] = [];
  for (const [name, s] of Object.entries(m.subsets)) {
    if (s.accError === null)
      notes.push(`${name}: acc_error and F1 are undefined: none of its ${s.n} evaluated item${s.n === 1 ? "" : "s"} has an error (label ≠ -1)`);
    if (s.accCorrect === null)
      notes.push(`${name}: acc_correct and F1 are undefined: none of its ${s.n} evaluated item${s.n === 1 ? "" : "s"} is correct throughout (label -1)`);
  }
  if (m.averageF1 === null && Object.keys(m.subsets).length) notes.push("average F1 is undefined: no subset has an F1");
  else if (notes.length) notes.push("subsets without an F1 are left out of the average F1");
  return notes;
}

export function printMetrics(io: CliIo, m: ProcessBenchMetrics, json: boolean, demo?: string): void {
  for (const note of undefinedMetricNotes(m)) io.stderr.write(`note: ${note}\n`);
  if (json) io.stdout.write(JSON.stringify({ ...metricsJson(m), ...(demo ? { demo } : {}) }) + "\n");
  else io.stdout.write(metricsTable(m) + (demo ? `\n${demo} (a generated model with random weights)` : "") + "\n");
}
