/**
 * steplens-rl.json, the settings file of an RL run folder: read with every field checked (a damaged
 * file is an error naming the file, the field and what is wrong, never a crash further on), and the
 * sha256 of each file `rl init` wrote, so a later `rl init` rewrites only files nobody changed.
 * No `vscode` import here.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { StepLensError } from "../core/errors";
import { RL_ENGINES, RUN_SPEC_FILE, type RlRunSpec } from "./rlRunSpec";

/** Largest steplens-rl.json read (it holds a few settings and hashes). */
const MAX_SPEC_BYTES = 1024 * 1024;

export function sha256(data: string | Uint8Array): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

function damaged(file: string, what: string, line?: number): StepLensError {
  return new StepLensError(`${path.basename(file)} ${what}`, {
    file,
    ...(line !== undefined ? { line } : {}),
    code: "rl-bad-run",
    hint: "Fix the value by hand, or write the run folder again: steplens rl init --engine … --out <this folder> --force",
  });
}

/** Line (1-based) of a character offset, for JSON errors that give a position. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const NUMBER_FIELDS = [
  "nodes",
  "gpusPerNode",
  "rollouts",
  "learningRate",
  "klCoef",
  "batchSize",
  "maxPromptLength",
  "maxResponseLength",
  "tensorParallel",
  "gpuMemoryUtilization",
  "epochs",
  "prompts",
] as const;
const POSITIVE_INTEGERS = new Set(["nodes", "gpusPerNode", "rollouts", "batchSize", "maxPromptLength", "maxResponseLength", "tensorParallel", "epochs"]);

/** The run settings in `text` (the contents of `file`), every field checked. */
export function parseRunSpec(text: string, file: string): RlRunSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    throw damaged(file, `is not valid JSON (${msg}).`, pos ? lineOf(text, Number(pos[1])) : undefined);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw damaged(file, "must hold a JSON object of run settings.");
  const o = value as Record<string, unknown>;
  if (!RL_ENGINES.includes(o.engine as RlRunSpec["engine"]))
    throw damaged(file, `"engine" is ${JSON.stringify(o.engine)}; it must be one of ${RL_ENGINES.join(", ")}.`);
  for (const key of ["rewardUrl", "model"] as const)
    if (typeof o[key] !== "string" || !o[key]) throw damaged(file, `"${key}" must be a non-empty string, got ${JSON.stringify(o[key])}.`);
  try {
    const u = new URL(o.rewardUrl as string);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw damaged(file, `"rewardUrl" ${JSON.stringify(o.rewardUrl)} is not an http(s) URL (e.g. http://127.0.0.1:8080).`);
  }
  for (const key of NUMBER_FIELDS) {
    const v = o[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw damaged(file, `"${key}" must be a number, got ${JSON.stringify(v)}.`);
    if (POSITIVE_INTEGERS.has(key) && !(Number.isInteger(v) && v >= 1)) throw damaged(file, `"${key}" must be a whole number ≥ 1, got ${v}.`);
  }
  if (o.scalarize !== null && typeof o.scalarize !== "string") throw damaged(file, `"scalarize" must be a string or null, got ${JSON.stringify(o.scalarize)}.`);
  if (!Array.isArray(o.dataFiles) || o.dataFiles.some((f) => typeof f !== "string" || !f || path.isAbsolute(f) || f.split(/[\\/]/).includes("..")))
    throw damaged(file, `"dataFiles" must be a list of file names inside the run folder, got ${JSON.stringify(o.dataFiles)}.`);
  if (o.maxSteps !== undefined && !(Number.isInteger(o.maxSteps) && ((o.maxSteps as number) >= 1 || o.maxSteps === -1)))
    throw damaged(file, `"maxSteps" must be a whole number ≥ 1 (or -1), got ${JSON.stringify(o.maxSteps)}.`);
  if (o.device !== undefined && o.device !== "gpu" && o.device !== "cpu")
    throw damaged(file, `"device" must be "gpu" or "cpu", got ${JSON.stringify(o.device)}.`);
  if (o.files !== undefined) {
    const f = o.files;
    if (typeof f !== "object" || f === null || Array.isArray(f) || Object.values(f).some((h) => typeof h !== "string" || !/^[0-9a-f]{64}$/.test(h)))
      throw damaged(file, `"files" must map file names to sha256 hashes, got ${JSON.stringify(f).slice(0, 200)}.`);
  }
  return o as unknown as RlRunSpec;
}

/** Reads `dir`/steplens-rl.json; an error names the file when it is missing or damaged. */
export function readRunSpecFile(dir: string): RlRunSpec {
  const file = path.join(dir, RUN_SPEC_FILE);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    throw new StepLensError(`${dir} is not an RL run folder (no ${RUN_SPEC_FILE}).`, {
      code: "rl-no-run",
      hint: "Create one with: steplens rl init --engine verl|openrlhf|trl --out DIR --reward-url URL",
    });
  }
  if (!st.isFile()) throw damaged(file, "is not a regular file.");
  if (st.size > MAX_SPEC_BYTES) throw damaged(file, `is ${st.size} bytes; a run's settings file is far smaller (at most ${MAX_SPEC_BYTES} read).`);
  return parseRunSpec(fs.readFileSync(file, "utf8"), file);
}
