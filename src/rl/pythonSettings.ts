/**
 * The Python StepLens generates lives as real files in src/rl/python/ (ruff-clean, tested by pytest),
 * embedded into the bundle as text. Each holds one block of run settings between the markers
 * below, with working defaults; `fillPythonSettings` writes a run's values into that block, so the
 * generated file differs from its source only there. No `vscode` import here.
 */
export const SETTINGS_START = "# --- steplens run settings (steplens rl init writes these values) ---";
export const SETTINGS_END = "# --- end of run settings ---";

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** A Python literal for `v` (strings as JSON strings: JSON's escapes are valid in Python). */
export function pyLiteral(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`a Python setting must be a finite number, got ${v}`);
    return String(v);
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(", ")}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x)}`)
    .join(", ")}}`;
}

/**
 * `source` with the assignments `NAME = …` inside its settings block replaced by `values` (one
 * line each). Every name must already be assigned there, and nothing else is touched.
 */
export function fillPythonSettings(source: string, values: Record<string, PyValue>, file = "python source"): string {
  const start = source.indexOf(SETTINGS_START);
  const end = source.indexOf(SETTINGS_END, start);
  if (start < 0 || end < 0) throw new Error(`${file} has no run-settings block`);
  const head = source.slice(0, start + SETTINGS_START.length);
  const block = source.slice(start + SETTINGS_START.length, end);
  const lines = block.split("\n");
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const m = /^([A-Z_][A-Z0-9_]*) = /.exec(line);
    if (!m || !(m[1]! in values)) return line;
    seen.add(m[1]!);
    return `${m[1]} = ${pyLiteral(values[m[1]!]!)}`;
  });
  const missing = Object.keys(values).filter((k) => !seen.has(k));
  if (missing.length) throw new Error(`${file}: the run-settings block has no ${missing.join(", ")}`);
  return head + out.join("\n") + source.slice(end);
}
