/**
 * `steplens models`: the presets, what is in the model cache, and what each role resolves to;
 * `steplens models fetch <preset|hf:URI>` downloads one into the cache with a progress bar
 * (resumed when interrupted; offline, the error says what to download and where to put it).
 * Listing never touches the network.
 */
import fs from "node:fs";
import { StepLensError } from "../../core/errors";
import { MODEL_ROLES, type ModelRole } from "../../engines/engine";
import { needsEndpoint } from "../../engines/errors";
import { findPreset, PRESETS } from "../../engines/presets";
import { cachedModelFile, downloadModel, listCachedModels, modelCacheDir, parseModelSpec } from "../../engines/local/modelSource";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { progressPrinter } from "../flags";
import { defineOptions, jsonOption, optionsHelp, type OptionValues, parseOptions } from "../options";

const roleModel = (role: ModelRole) =>
  ({
    type: "text",
    arg: "<spec>",
    empty: true,
    defaultText: "--model",
    help: `the ${role === "prm" ? "PRM" : role} role's model, steplens.models.${role} in VS Code`,
  }) as const;

// "" is a value here, as before the declarations: a role set to "" is unset, --cache-dir "" the default cache.
const OPTIONS = defineOptions({
  model: { type: "text", arg: "<spec>", empty: true, help: "what every role uses (a path, an hf: URI or a preset)" },
  "prm-model": roleModel("prm"),
  "verifier-model": roleModel("verifier"),
  "generator-model": roleModel("generator"),
  "prover-model": roleModel("prover"),
  "cache-dir": { type: "text", arg: "<dir>", empty: true, defaultText: "$STEPLENS_MODEL_CACHE, else ~/.cache/steplens/models", help: "the model cache" },
  json: jsonOption("machine-readable listing"),
});

type ModelsValues = OptionValues<typeof OPTIONS>;

const HELP = `Usage: steplens models [options]
       steplens models fetch <preset|hf:URI> [--cache-dir DIR]

Lists the model presets (roles, PRM adapter, size, whether cached), the GGUF files in the model
cache, and what each role resolves to. \`fetch\` downloads a preset or an hf: URI into the cache
(with a progress bar; an interrupted download resumes where it stopped).

Options:
${optionsHelp(OPTIONS)}

Offline: \`fetch\` says which file to download on a machine with internet access and where to put it;
a GGUF file can also be used directly with --model /path/to/file.gguf.

Examples:
  steplens models
  steplens models fetch math-shepherd-mistral-7b-prm
  steplens models fetch hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf
  steplens models --prm-model ./prm.gguf --verifier-model qwen3-4b`;

export interface RoleResolution {
  role: ModelRole;
  /** The setting ("" when not set). */
  spec: string;
  /** "path" | "hf" | "preset" | "unset". */
  kind: "path" | "hf" | "preset" | "unset";
  /** The local file it resolves to now, or null (not downloaded yet / missing / not set). */
  file: string | null;
  /** One line for people: "cached", "not downloaded yet (steplens models fetch …)", "missing", … */
  status: string;
}

/** What each role's setting resolves to right now (no network, no model loading). */
export async function resolveRoles(models: Partial<Record<ModelRole, string>>, cacheDir: string): Promise<RoleResolution[]> {
  const out: RoleResolution[] = [];
  for (const role of MODEL_ROLES) {
    const spec = models[role]?.trim() ?? "";
    if (!spec) {
      out.push({ role, spec, kind: "unset", file: null, status: `not set (steplens.models.${role} / --${role}-model)` });
      continue;
    }
    const parsed = parseModelSpec(spec);
    if (parsed.kind === "path") {
      const exists = fs.existsSync(parsed.path);
      out.push({ role, spec, kind: "path", file: exists ? parsed.path : null, status: exists ? "local file" : `missing: ${parsed.path}` });
    } else if (parsed.kind === "hf") {
      const file = await cachedModelFile(parsed.uri, cacheDir);
      out.push({ role, spec, kind: "hf", file, status: file ? "cached" : `not downloaded yet (steplens models fetch ${parsed.uri})` });
    } else {
      const p = parsed.preset;
      if (p.runtime === "endpoint") {
        out.push({ role, spec, kind: "preset", file: null, status: "needs an endpoint (not runnable locally)" });
      } else if (!p.uri) {
        out.push({ role, spec, kind: "preset", file: null, status: "no published GGUF: bring your own file (--model PATH)" });
      } else {
        const file = await cachedModelFile(p.uri, cacheDir);
        out.push({ role, spec, kind: "preset", file, status: file ? "cached" : `not downloaded yet (steplens models fetch ${p.name})` });
      }
    }
  }
  return out;
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e9 ? 2 : 1)} GB`;

async function list(values: ModelsValues, io: CliIo): Promise<number> {
  const dir = modelCacheDir(values["cache-dir"], io.env);
  const models: Partial<Record<ModelRole, string>> = {};
  for (const role of MODEL_ROLES) models[role] = values[`${role}-model`] ?? values.model ?? "";
  const presets = [];
  for (const p of PRESETS) {
    const file = p.uri ? await cachedModelFile(p.uri, dir) : null;
    presets.push({ ...p, cached: file });
  }
  const cached = listCachedModels(dir);
  const roles = await resolveRoles(models, dir);
  if (values.json) {
    io.stdout.write(
      JSON.stringify({
        cacheDir: dir,
        presets: presets.map((p) => ({
          name: p.name,
          description: p.description,
          uri: p.uri,
          roles: p.roles,
          adapter: p.adapter ?? null,
          runtime: p.runtime,
          sizeBytes: p.sizeBytes ?? null,
          cached: p.cached,
        })),
        cached,
        roles,
      }) + "\n",
    );
    return 0;
  }
  const out: string[] = ["Presets:"];
  const w = Math.max(...presets.map((p) => p.name.length));
  for (const p of presets) {
    const where =
      p.runtime === "endpoint"
        ? "endpoint only (vLLM)"
        : !p.uri
          ? "bring your own GGUF"
          : p.cached
            ? "cached"
            : `not downloaded${p.sizeBytes ? ` (${gb(p.sizeBytes)})` : ""}`;
    out.push(`  ${p.name.padEnd(w)}  ${(p.adapter ?? "-").padEnd(13)}  ${p.roles.join(",").padEnd(30)}  ${where}`);
    out.push(`  ${"".padEnd(w)}  ${p.description}`);
    if (p.runtime === "endpoint") out.push(`  ${"".padEnd(w)}  ${needsEndpoint(p.name, p.endpointReason ?? "").format()}`);
    else if (p.uri) out.push(`  ${"".padEnd(w)}  ${p.uri}`);
    else if (p.conversion) out.push(`  ${"".padEnd(w)}  ${p.conversion}`);
  }
  out.push("", `Model cache: ${dir}${cached.length ? "" : " (empty)"}`);
  for (const c of cached) out.push(`  ${gb(c.bytes).padStart(8)}  ${c.file}`);
  out.push("", "Roles:");
  for (const r of roles) out.push(`  ${r.role.padEnd(9)}  ${r.spec ? `${r.spec} → ${r.file ?? "-"}  (${r.status})` : r.status}`);
  io.stdout.write(out.join("\n") + "\n");
  return 0;
}

async function fetchModel(target: string | undefined, values: ModelsValues, io: CliIo): Promise<number> {
  if (!target) throw new UsageError("missing <preset|hf:URI>: which model to download (see `steplens models`).");
  const dir = modelCacheDir(values["cache-dir"], io.env);
  let uri: string;
  const preset = findPreset(target);
  if (preset) {
    if (preset.runtime === "endpoint") throw needsEndpoint(preset.name, preset.endpointReason ?? "");
    if (!preset.uri) throw new StepLensError(`preset '${preset.name}' has no published GGUF to download.`, { hint: preset.conversion });
    uri = preset.uri;
  } else if (/^hf:/i.test(target)) uri = target;
  else throw new UsageError(`'${target}' is neither a preset nor an hf: URI (local files need no fetching).`);

  const bar = progressPrinter(io, "downloading", 30_000, { unit: "bytes" });
  try {
    const file = await downloadModel(uri, {
      cacheDir: values["cache-dir"],
      env: io.env,
      signal: io.signal,
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    io.stdout.write(`${file}\n`);
    io.stderr.write(`steplens models: ${preset ? preset.name : uri} is in ${dir}\n`);
    return 0;
  } finally {
    bar.done();
  }
}

export const modelsCommand: CliCommand = {
  name: "models",
  summary: "list model presets, the model cache and each role's model; fetch one",
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(argv, OPTIONS);
    const [sub, ...rest] = positionals;
    if (sub === undefined || sub === "list") {
      if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'.`);
      return list(values, io);
    }
    if (sub === "fetch") {
      if (rest.length > 1) throw new UsageError("fetch one model at a time.");
      return fetchModel(rest[0], values, io);
    }
    throw new UsageError(`unknown subcommand '${sub}': use \`steplens models\` or \`steplens models fetch <preset|hf:URI>\`.`);
  },
};
