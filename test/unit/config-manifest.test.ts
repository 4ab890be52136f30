// package.json `contributes` must mirror src/config.ts (DEFAULT_CONFIG) and the extension's command
// table: every setting key, default and type; enums equal to the typed unions; every contributed
// command registered and every registered command contributed. Plain Node, no VS Code.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { CONFIG_BOUNDS, DEFAULT_CONFIG } from "../../src/config";
import { withSettingsTable } from "../../src/docs/settingsTable";
import { CommandId } from "../../src/extension/commandIds";
import { readSettings, SETTING_ENUMS, settingKeys } from "../../src/extension/settings";

interface SettingSchema {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  enumDescriptions?: string[];
  markdownDescription?: string;
  description?: string;
  scope?: string;
  minimum?: number;
  maximum?: number;
  items?: { type?: string };
}

const root = path.resolve(__dirname, "../../..");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const properties: Record<string, SettingSchema> = manifest.contributes?.configuration?.properties ?? {};
const PREFIX = "steplens.";

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

test("every DEFAULT_CONFIG key is a contributed setting with the same default and type", () => {
  const keys = settingKeys();
  assert.ok(keys.length >= 30, `expected the whole config, got ${keys.length} keys`);
  for (const { key, defaultValue } of keys) {
    const schema = properties[PREFIX + key];
    assert.ok(schema, `package.json contributes.configuration lacks ${PREFIX}${key}`);
    assert.deepEqual(schema.default, defaultValue, `${PREFIX}${key}: default differs from DEFAULT_CONFIG`);
    const expected = jsonType(defaultValue);
    if (schema.type === "integer") {
      assert.equal(expected, "number", `${PREFIX}${key}: integer setting but DEFAULT_CONFIG holds a ${expected}`);
      assert.ok(Number.isInteger(defaultValue), `${PREFIX}${key}: integer setting with a non-integer default`);
    } else {
      assert.equal(schema.type, expected, `${PREFIX}${key}: type`);
    }
    if (expected === "array") assert.equal(schema.items?.type, "string", `${PREFIX}${key}: items type`);
  }
});

test("every contributed steplens setting exists in DEFAULT_CONFIG", () => {
  const known = new Set(settingKeys().map((k) => PREFIX + k.key));
  const extra = Object.keys(properties).filter((k) => !known.has(k));
  assert.deepEqual(extra, [], "settings in package.json that StepLensConfig does not have");
  assert.ok(
    Object.keys(properties).every((k) => k.startsWith(PREFIX)),
    "every setting is under steplens.",
  );
});

test("settings are documented, scoped and bounded sensibly", () => {
  for (const [key, schema] of Object.entries(properties)) {
    assert.ok((schema.markdownDescription ?? schema.description ?? "").length > 20, `${key}: needs a description`);
    assert.ok(schema.scope, `${key}: needs a scope`);
    if (typeof schema.minimum === "number") assert.ok((schema.default as number) >= schema.minimum, `${key}: default below minimum`);
    if (typeof schema.maximum === "number") assert.ok((schema.default as number) <= schema.maximum, `${key}: default above maximum`);
  }
  // Model locations and threads depend on the machine: a remote or a workspace may override them.
  for (const key of ["local.gpu", "local.maxThreads", "local.modelCacheDir", "models.prm", "models.verifier", "models.generator", "models.prover"]) {
    assert.equal(properties[PREFIX + key]?.scope, "machine-overridable", `${PREFIX}${key}: scope`);
  }
});

test("enum settings list exactly the values of their TypeScript unions, each described", () => {
  const enumKeys = Object.entries(properties)
    .filter(([, s]) => s.enum)
    .map(([k]) => k.slice(PREFIX.length));
  assert.deepEqual(enumKeys.sort(), Object.keys(SETTING_ENUMS).sort());
  for (const [key, values] of Object.entries(SETTING_ENUMS)) {
    const schema = properties[PREFIX + key]!;
    assert.deepEqual(schema.enum, [...values], `${PREFIX}${key}: enum`);
    assert.equal(schema.enumDescriptions?.length, values.length, `${PREFIX}${key}: one enumDescription per value`);
    assert.ok(values.includes(schema.default as string), `${PREFIX}${key}: default is one of the values`);
  }
});

test("restricted (untrusted workspace) settings exist and cover model paths and the endpoint", () => {
  const trust = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(trust?.supported, "limited");
  assert.ok(typeof trust.description === "string" && /run/i.test(trust.description), "says what is limited and why");
  const restricted: string[] = trust.restrictedConfigurations ?? [];
  for (const key of restricted) assert.ok(properties[key], `restricted ${key} is not a setting`);
  for (const key of [
    "steplens.models.prm",
    "steplens.models.verifier",
    "steplens.models.generator",
    "steplens.models.prover",
    "steplens.openai.baseUrl",
    "steplens.local.modelCacheDir",
  ]) {
    assert.ok(restricted.includes(key), `${key} must be restricted in untrusted workspaces`);
  }
});

test("contributed commands are exactly the registered ones, each with the StepLens category", () => {
  const contributed: { command: string; title: string; category?: string }[] = manifest.contributes?.commands ?? [];
  assert.deepEqual(contributed.map((c) => c.command).sort(), Object.values(CommandId).sort());
  for (const c of contributed) {
    assert.equal(c.category, "StepLens", `${c.command}: category`);
    assert.ok(c.title && !c.title.startsWith("StepLens"), `${c.command}: the title should not repeat the category`);
  }
});

test("the trace language, grammar and language configuration files exist", () => {
  const languages: { id: string; extensions?: string[]; configuration?: string }[] = manifest.contributes?.languages ?? [];
  const trace = languages.find((l) => l.id === "steplens-trace");
  assert.ok(trace, "steplens-trace language");
  assert.deepEqual(trace.extensions, [".trace.md", ".trace"]);
  assert.ok(trace.configuration && fs.existsSync(path.join(root, trace.configuration)), "language configuration file");
  const grammar = (manifest.contributes?.grammars ?? []).find((g: { language: string }) => g.language === "steplens-trace");
  assert.equal(grammar?.scopeName, "text.steplens-trace");
  const tm = JSON.parse(fs.readFileSync(path.join(root, grammar.path), "utf8"));
  assert.equal(tm.scopeName, "text.steplens-trace");
  // every `#name` include points at a repository entry
  const includes = JSON.stringify(tm).match(/"include":"#[^"]+"/g) ?? [];
  for (const inc of includes) {
    const name = inc.slice(12, -1);
    assert.ok(tm.repository[name], `grammar include #${name} has no repository entry`);
  }
  assert.ok(manifest.activationEvents.includes("onLanguage:steplens-trace"));
});

test("readSettings maps flat keys onto StepLensConfig and rejects wrong types and enum values", () => {
  const values: Record<string, unknown> = {
    "traces.filePatterns": ["**/*.md"],
    "local.maxThreads": 3,
    "engine.kind": "openai",
    "local.gpu": "tpu", // not a GpuSetting
    "verify.samples": "8", // wrong type
    "annotations.hover": false,
    "traces.unknown": 1, // not a key: ignored
  };
  const { config, problems } = readSettings((k) => values[k]);
  assert.deepEqual(config.traces.filePatterns, ["**/*.md"]);
  assert.equal(config.local.maxThreads, 3);
  assert.equal(config.engine.kind, "openai");
  assert.equal(config.local.gpu, DEFAULT_CONFIG.local.gpu);
  assert.equal(config.verify.samples, DEFAULT_CONFIG.verify.samples);
  assert.equal(config.annotations.hover, false);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems.join("\n"), /steplens\.local\.gpu: "tpu" is not one of "auto", "cuda"/);
  assert.match(problems.join("\n"), /steplens\.verify\.samples: expected a number, got string "8"/);
  // DEFAULT_CONFIG itself is never mutated
  assert.deepEqual(DEFAULT_CONFIG.traces.filePatterns, []);
  config.traces.filePatterns.push("x");
  assert.deepEqual(DEFAULT_CONFIG.traces.filePatterns, []);
});

test("readSettings with nothing set gives DEFAULT_CONFIG", () => {
  const { config, problems } = readSettings(() => undefined);
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.deepEqual(problems, []);
});

test("numeric bounds live once: CONFIG_BOUNDS equals package.json's minimum/maximum/integer for every numeric setting", () => {
  const numeric = Object.entries(properties).filter(([, s]) => s.type === "number" || s.type === "integer");
  assert.ok(numeric.length >= 10, "expected the numeric settings");
  for (const [full, schema] of numeric) {
    const key = full.slice(PREFIX.length);
    const b = CONFIG_BOUNDS[key];
    assert.ok(b, `${full} has no CONFIG_BOUNDS entry (src/config.ts)`);
    assert.equal(b.min, schema.minimum, `${full}: minimum`);
    assert.equal(b.max, schema.maximum, `${full}: maximum`);
    assert.equal(b.integer, schema.type === "integer", `${full}: integer`);
  }
  const extra = Object.keys(CONFIG_BOUNDS).filter((k) => !properties[PREFIX + k]);
  assert.deepEqual(extra, [], "CONFIG_BOUNDS keys that are not settings");
});

test("a setting outside its bounds falls back to the default and is reported", () => {
  const { config, problems } = readSettings((k) => (k === "local.contextSize" ? 64 : k === "local.sequences" ? 2.5 : undefined));
  assert.equal(config.local.contextSize, DEFAULT_CONFIG.local.contextSize);
  assert.equal(config.local.sequences, DEFAULT_CONFIG.local.sequences);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems[0]!, /contextSize: 64 is outside 256–1048576/);
});

test("the README's settings table is the one generated from package.json (npm run readme)", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  assert.equal(withSettingsTable(readme, manifest), readme, "README.md's settings table is out of date: run `npm run readme`");
  for (const key of Object.keys(properties)) assert.ok(readme.includes("`" + key + "`"), `${key} is in the README's table`);
});
