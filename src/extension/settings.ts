/**
 * Maps flat settings (`steplens.<section>.<key>`) onto the typed StepLensConfig. No `vscode` import:
 * the extension passes a getter over `workspace.getConfiguration("steplens")`, unit tests a plain map.
 *
 * Values that have the wrong type or lie outside an enum fall back to the default and are reported,
 * so one bad entry in settings.json never breaks the extension.
 */
import { CONFIG_BOUNDS, CONFIG_ENUMS, DEFAULT_CONFIG, type StepLensConfig } from "../config";

/** Allowed values of the enum-typed settings (the table lives next to StepLensConfig). */
export const SETTING_ENUMS = CONFIG_ENUMS;

/** Every setting key (`<section>.<key>`, without the `steplens.` prefix) with its default, in DEFAULT_CONFIG order. */
export function settingKeys(): { key: string; section: string; name: string; defaultValue: unknown }[] {
  const out: { key: string; section: string; name: string; defaultValue: unknown }[] = [];
  for (const [section, values] of Object.entries(DEFAULT_CONFIG)) {
    for (const [name, defaultValue] of Object.entries(values as Record<string, unknown>)) {
      out.push({ key: `${section}.${name}`, section, name, defaultValue });
    }
  }
  return out;
}

export interface SettingsReadResult {
  config: StepLensConfig;
  /** One line per setting that was ignored, naming the setting, what was wrong and what was used. */
  problems: string[];
}

/**
 * Builds a StepLensConfig from `get(key)` (key `<section>.<key>`; undefined means "not set").
 * Type-checks each value against its default's type and enum; invalid ones use the default.
 */
export function readSettings(get: (key: string) => unknown): SettingsReadResult {
  const problems: string[] = [];
  const config = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, Record<string, unknown>>;
  for (const { key, section, name, defaultValue } of settingKeys()) {
    const value = get(key);
    if (value === undefined || value === null) continue;
    const problem = validate(key, value, defaultValue);
    if (problem) {
      problems.push(`steplens.${key}: ${problem}; using the default ${JSON.stringify(defaultValue)}.`);
      continue;
    }
    config[section]![name] = Array.isArray(value) ? [...value] : value;
  }
  return { config: config as unknown as StepLensConfig, problems };
}

function validate(key: string, value: unknown, defaultValue: unknown): string | undefined {
  if (Array.isArray(defaultValue)) {
    if (!Array.isArray(value)) return `expected a list of strings, got ${describe(value)}`;
    const bad = value.find((v) => typeof v !== "string");
    if (bad !== undefined) return `expected a list of strings, but it holds ${describe(bad)}`;
    return undefined;
  }
  if (typeof value !== typeof defaultValue) return `expected a ${typeof defaultValue}, got ${describe(value)}`;
  if (typeof value === "number" && !Number.isFinite(value)) return `expected a finite number, got ${value}`;
  const bounds = CONFIG_BOUNDS[key];
  if (bounds && typeof value === "number") {
    if (bounds.integer && !Number.isInteger(value)) return `expected a whole number, got ${value}`;
    if (value < bounds.min || value > bounds.max) return `${value} is outside ${bounds.min}–${bounds.max}`;
  }
  const allowed = SETTING_ENUMS[key];
  if (allowed && !allowed.includes(value as string)) {
    return `${JSON.stringify(value)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Setting keys (`<section>.<key>`) whose value differs between two configs. */
export function changedSettings(a: StepLensConfig, b: StepLensConfig): string[] {
  const ra = a as unknown as Record<string, Record<string, unknown>>;
  const rb = b as unknown as Record<string, Record<string, unknown>>;
  return settingKeys()
    .filter(({ section, name }) => JSON.stringify(ra[section]?.[name]) !== JSON.stringify(rb[section]?.[name]))
    .map(({ key }) => key);
}
