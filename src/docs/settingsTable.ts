/**
 * The README's settings table, generated from package.json's `contributes.configuration` so the two
 * never drift: `npm run readme` rewrites the table between the SETTINGS_START / SETTINGS_END markers,
 * and a unit test fails when the README's table differs from what this produces.
 */

interface SettingSchema {
  type?: string | string[];
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
}

export const SETTINGS_START = "<!-- settings:start (generated from package.json by `npm run readme`; do not edit) -->";
export const SETTINGS_END = "<!-- settings:end -->";

/** The first sentence of a setting's description, as one table-safe line. */
function summary(s: SettingSchema): string {
  const text = (s.markdownDescription ?? s.description ?? "").replace(/\s+/g, " ").trim();
  const m = /^(.*?[.!?])(\s|$)/.exec(text);
  return (m ? m[1]! : text).replace(/\|/g, "\\|");
}

function valueText(s: SettingSchema): string {
  const d = "`" + JSON.stringify(s.default) + "`";
  const extra: string[] = [];
  if (s.enum) extra.push(s.enum.map((e) => String(e)).join(" \\| "));
  if (s.minimum !== undefined || s.maximum !== undefined) extra.push(`${s.minimum ?? "…"}–${s.maximum ?? "…"}`);
  return extra.length ? `${d} (${extra.join("; ")})` : d;
}

/** The Markdown table of every `steplens.*` setting, in manifest order. */
export function settingsTable(manifest: { contributes?: { configuration?: { properties?: Record<string, SettingSchema> } } }): string {
  const props = manifest.contributes?.configuration?.properties ?? {};
  const rows = Object.entries(props).map(([key, s]) => `| \`${key}\` | ${valueText(s)} | ${summary(s)} |`);
  return ["| Setting | Default (allowed) | What it does |", "|---|---|---|", ...rows].join("\n");
}

/** `readme` with the table between the markers replaced by the generated one (markers must exist). */
export function withSettingsTable(readme: string, manifest: Parameters<typeof settingsTable>[0]): string {
  const start = readme.indexOf(SETTINGS_START);
  const end = readme.indexOf(SETTINGS_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the settings markers (${SETTINGS_START} … ${SETTINGS_END})`);
  return readme.slice(0, start + SETTINGS_START.length) + "\n" + settingsTable(manifest) + "\n" + readme.slice(end);
}
