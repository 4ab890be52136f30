/**
 * Command-line options declared once. Each option is one declaration — its type, bounds or choices,
 * default and help — from which come the `parseArgs` table, the checked and typed values a command
 * reads, and the option lines of its `--help`. A bound or a default therefore cannot differ between
 * what a command accepts and what its help says, nor between commands that share the declaration.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CONFIG_BOUNDS, CONFIG_ENUMS, type SettingBounds } from "../config";
import { UsageError } from "./command";
import { closestName } from "./didYouMean";

/** What an option holds: free text (never empty), a whole number, a number, one of a set of words, or a switch. */
export type OptionType = "text" | "int" | "number" | "enum" | "boolean";

export interface OptionSpec {
  type: OptionType;
  /** Help: a sentence or two, wrapped to the terminal width when printed; "\n" breaks a line. */
  help: string;
  /** The value's placeholder in help (`<n>`); enum options default to their choices (`<a|b>`). */
  arg?: string;
  /** int / number: a CONFIG_BOUNDS key (the flag then accepts what the setting accepts) or explicit bounds. */
  bounds?: string | { min?: number; max?: number };
  /** enum: a CONFIG_ENUMS key or the allowed words. */
  choices?: string | readonly string[];
  /** The value when the flag is absent (also printed in help). Booleans default to false. */
  default?: string | number;
  /** The default as help should describe it, where it is not a constant (`cores - 1`, `the preset's`). */
  defaultText?: string;
  /** The help section the option is listed under (`Search`, `Model (one of)`); consecutive options share it. */
  group?: string;
  /** Repeatable: the values come as an array, in order. */
  multiple?: boolean;
  /** Not listed in help (an alias kept for old scripts). */
  hidden?: boolean;
  /** text: an empty value is a value (`--instruction ""`: none); otherwise a usage error. */
  empty?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { type: "boolean" }
  ? boolean
  : S extends { type: "int" | "number" }
    ? number
    : S extends { type: "enum"; choices: readonly (infer C extends string)[] }
      ? C
      : string;

/** The typed values of a set of options: absent ones undefined unless they have a default (booleans: false). */
export type OptionValues<T extends OptionSpecs> = {
  -readonly [K in keyof T]: T[K] extends { multiple: true }
    ? ValueOf<T[K]>[]
    : T[K] extends { type: "boolean" } | { default: string | number }
      ? ValueOf<T[K]>
      : ValueOf<T[K]> | undefined;
};

export interface ParsedOptions<T extends OptionSpecs> {
  values: OptionValues<T>;
  positionals: string[];
  /** The options given on the command line (defaults applied to the rest are not in here). */
  given: ReadonlySet<keyof T & string>;
}

/** Keeps a declaration's literal types (choices, defaults) while checking it against OptionSpec. */
export function defineOptions<const T extends OptionSpecs>(specs: T): T {
  return specs;
}

/** The bounds an int / number option is checked against. */
export function boundsOf(spec: OptionSpec): SettingBounds {
  const integer = spec.type === "int";
  if (typeof spec.bounds === "string") {
    const b = CONFIG_BOUNDS[spec.bounds];
    if (!b) throw new Error(`no CONFIG_BOUNDS entry '${spec.bounds}' (src/config.ts)`);
    return { ...b, integer: b.integer || integer };
  }
  return { min: spec.bounds?.min ?? -Infinity, max: spec.bounds?.max ?? Infinity, integer };
}

/** The words an enum option accepts. */
export function choicesOf(spec: OptionSpec): readonly string[] {
  if (typeof spec.choices !== "string") return spec.choices ?? [];
  const c = CONFIG_ENUMS[spec.choices];
  if (!c) throw new Error(`no CONFIG_ENUMS entry '${spec.choices}' (src/config.ts)`);
  return c;
}

function describeBounds(b: SettingBounds): string {
  const what = b.integer ? "a whole number" : "a number";
  if (b.max >= Number.MAX_SAFE_INTEGER) return b.min === -Infinity ? what : `${what} of at least ${b.min}`;
  if (b.min === -Infinity) return `${what} of at most ${b.max}`;
  return `${what} from ${b.min} to ${b.max}`;
}

/** A whole number as written in plain decimal: digits, a minus sign at most. */
const INTEGER_TEXT = /^-?\d+$/;
/** A number in decimal: digits with an optional fraction and exponent (no hex, binary, octal, leading +, Infinity). */
const DECIMAL_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** One given value checked against its declaration: a UsageError names the flag, what it takes and what it got. */
export function checkValue(name: string, spec: OptionSpec, raw: string): string | number {
  switch (spec.type) {
    case "int":
    case "number": {
      const b = boundsOf(spec);
      // Plain decimal only: Number() would also take 1e3, 0x10, 0b11, +2 and, for whole numbers, 1.0.
      const plain = b.integer ? INTEGER_TEXT.test(raw) : DECIMAL_TEXT.test(raw);
      const n = Number(raw);
      if (!plain || !Number.isFinite(n) || (b.integer && !Number.isSafeInteger(n)) || n < b.min || n > b.max)
        throw new UsageError(`--${name} must be ${describeBounds(b)} (got '${raw}').`);
      return n;
    }
    case "enum": {
      const allowed = choicesOf(spec);
      if (!allowed.includes(raw)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got '${raw}').`);
      return raw;
    }
    default:
      if (!spec.empty && !raw.trim()) throw new UsageError(`--${name} must not be empty.`);
      return raw;
  }
}

type ParseArgsOptions = NonNullable<ParseArgsConfig["options"]>;

/** The `parseArgs` table of a set of options: booleans are switches, everything else takes a string. */
export function parseArgsTable(specs: OptionSpecs): ParseArgsOptions {
  const table: ParseArgsOptions = {};
  for (const [name, s] of Object.entries(specs)) table[name] = { type: s.type === "boolean" ? "boolean" : "string", ...(s.multiple ? { multiple: true } : {}) };
  return table;
}

/**
 * Parses argv against the declarations (strict: an unknown flag is a UsageError with a "did you mean"),
 * checks every given value and applies the defaults.
 */
export function parseOptions<const T extends OptionSpecs>(argv: string[], specs: T): ParsedOptions<T> {
  const table = parseArgsTable(specs);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: table, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /^Unknown option '(--?[^']+)'/.exec(message)?.[1];
    const guess = unknown?.startsWith("--") ? closestName(unknown.slice(2), Object.keys(specs)) : undefined;
    throw new UsageError(guess ? `${message.replace(/\. To specify a positional argument.*$/s, ".")} Did you mean '--${guess}'?` : message);
  }
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, spec] of Object.entries(specs)) {
    const raw = parsed.values[name];
    if (raw === undefined) {
      values[name] = spec.type === "boolean" ? (spec.multiple ? [] : false) : spec.multiple ? [] : spec.default;
      continue;
    }
    given.add(name);
    if (spec.type === "boolean") values[name] = raw;
    else if (Array.isArray(raw)) values[name] = raw.map((r) => checkValue(name, spec, String(r)));
    else values[name] = checkValue(name, spec, String(raw));
  }
  return { values: values as OptionValues<T>, positionals: parsed.positionals, given: given as ReadonlySet<keyof T & string> };
}

/** Where option help starts: 2 spaces, the flag column, then the text. */
const HELP_COLUMN = 27;
/** Help lines are wrapped to this width. */
const HELP_WIDTH = 104;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

function formatNumber(n: number): string {
  return n === 2 ** 31 - 1 ? "2^31-1" : String(n);
}

/** What help says of an option's value: its range or choices and its default, e.g. `1–256, default 8`. */
export function valueNote(spec: OptionSpec): string {
  const parts: string[] = [];
  if (spec.type === "int" || spec.type === "number") {
    const b = boundsOf(spec);
    const unbounded = b.max >= Number.MAX_SAFE_INTEGER;
    if (Number.isFinite(b.min) && Number.isFinite(b.max) && !unbounded) parts.push(`${formatNumber(b.min)}–${formatNumber(b.max)}`);
    else if (Number.isFinite(b.min) && b.min > -Number.MAX_SAFE_INTEGER) parts.push(`at least ${formatNumber(b.min)}`);
    else if (Number.isFinite(b.max) && !unbounded) parts.push(`at most ${formatNumber(b.max)}`);
  }
  const d = spec.defaultText ?? (spec.default !== undefined ? String(spec.default) : undefined);
  if (d !== undefined) parts.push(`default ${d}`);
  return parts.join(", ");
}

/** The flag column of an option: `--name <arg>`. */
function flagText(name: string, spec: OptionSpec): string {
  if (spec.type === "boolean") return `--${name}`;
  const arg = spec.arg ?? (spec.type === "enum" ? `<${choicesOf(spec).join("|")}>` : "<value>");
  return `--${name} ${arg}`;
}

/** The option lines of a command's help, grouped under their `group` headings, in declaration order. */
export function optionsHelp(specs: OptionSpecs): string {
  const out: string[] = [];
  let group: string | undefined;
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.hidden) continue;
    if (spec.group !== group) {
      group = spec.group;
      if (out.length) out.push("");
      if (group) out.push(`${group}:`);
    }
    const note = valueNote(spec);
    const text = note ? `${spec.help} (${note})` : spec.help;
    const flag = `  ${flagText(name, spec)}`;
    const body = wrap(text, HELP_WIDTH - HELP_COLUMN);
    const indent = " ".repeat(HELP_COLUMN);
    if (flag.length < HELP_COLUMN - 1) out.push(flag.padEnd(HELP_COLUMN) + body[0], ...body.slice(1).map((l) => indent + l));
    else out.push(flag, ...body.map((l) => indent + l));
  }
  return out.join("\n");
}

/** A `--json` switch: the record it prints is the command's own (`help`). */
export function jsonOption(help: string, group?: string) {
  return { type: "boolean", help, ...(group ? { group } : {}) } as const satisfies OptionSpec;
}

/** A `--limit <n>`: the first n of what a command reads (`what`: "problems", "records per file"). */
export function limitOption(what: string, group?: string) {
  return {
    type: "int",
    arg: "<n>",
    bounds: { min: 1, max: Number.MAX_SAFE_INTEGER },
    help: `the first n ${what} only`,
    ...(group ? { group } : {}),
  } as const satisfies OptionSpec;
}

const SEED_BASE = { type: "int", arg: "<s>", bounds: { min: 0, max: 2 ** 31 - 1 } } as const;

/** A `--seed <s>` for sampling: the same seed reproduces a run. Without a default, absent means "the engine's". */
export function seedOption(help: string, dflt: number, group?: string): typeof SEED_BASE & { help: string; default: number; group?: string };
export function seedOption(help: string): typeof SEED_BASE & { help: string };
export function seedOption(help: string, dflt?: number, group?: string): OptionSpec {
  return { ...SEED_BASE, help, ...(dflt !== undefined ? { default: dflt } : {}), ...(group ? { group } : {}) };
}
