/**
 * steplens-rl.json, the settings file of an RL run folder: read with every field checked (a damaged
 * file is an error naming the file, the field and what is wrong, never a crash further on), and the
 * sha256 of each file `rl init` wrote, so a later `rl init` rewrites only files nobody changed.
 * No `vscode` import here.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as v from "valibot";
import { StepLensError } from "../core/errors";
import { checkedWhole, issueText, jsonObject } from "../core/schemaIssue";
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

const got = (issue: v.BaseIssue<unknown>) => JSON.stringify(issue.input);
const nonEmptyString = (issue: v.BaseIssue<unknown>) => `"$field" must be a non-empty string, got ${got(issue)}.`;
const notHttpUrl = (issue: v.BaseIssue<unknown>) => `"$field" ${got(issue)} is not an http(s) URL (e.g. http://127.0.0.1:8080).`;
const aNumber = (issue: v.BaseIssue<unknown>) => `"$field" must be a number, got ${got(issue)}.`;
const wholeNumber = (issue: v.BaseIssue<unknown>) => `"$field" must be a whole number ≥ 1, got ${String(issue.input)}.`;
const number = v.pipe(v.number(aNumber), v.finite(aNumber));
const positiveInteger = v.pipe(v.number(aNumber), v.finite(aNumber), v.integer(wholeNumber), v.minValue(1, wholeNumber));
const isHttpUrl = (text: string) => URL.canParse(text) && ["http:", "https:"].includes(new URL(text).protocol);
/** A file name inside the run folder: relative, no `..` part. */
const isInsideName = (f: string) => f !== "" && !path.isAbsolute(f) && !f.split(/[\\/]/).includes("..");

/**
 * The settings file, every field checked in this order (the first failure is named): the type and its
 * checks from one declaration (valibot). Fields it does not list are kept as they are.
 */
const RunSpecSchema = jsonObject(
  {
    engine: v.picklist(RL_ENGINES, (issue) => `"$field" is ${got(issue)}; it must be one of ${RL_ENGINES.join(", ")}.`),
    rewardUrl: v.pipe(v.string(nonEmptyString), v.nonEmpty(nonEmptyString), v.check(isHttpUrl, notHttpUrl)),
    model: v.pipe(v.string(nonEmptyString), v.nonEmpty(nonEmptyString)),
    nodes: positiveInteger,
    gpusPerNode: positiveInteger,
    rollouts: positiveInteger,
    learningRate: number,
    klCoef: number,
    batchSize: positiveInteger,
    maxPromptLength: positiveInteger,
    maxResponseLength: positiveInteger,
    tensorParallel: positiveInteger,
    gpuMemoryUtilization: number,
    epochs: positiveInteger,
    prompts: number,
    scalarize: v.nullable(v.string((issue) => `"$field" must be a string or null, got ${got(issue)}.`)),
    dataFiles: checkedWhole(
      v.array(v.pipe(v.string(), v.check(isInsideName))),
      (issue) => `"$field" must be a list of file names inside the run folder, got ${got(issue)}.`,
    ),
    maxSteps: v.optional(
      v.message(
        v.pipe(
          v.number(),
          v.integer(),
          v.check((n) => n >= 1 || n === -1),
        ),
        (issue) => `"$field" must be a whole number ≥ 1 (or -1), got ${got(issue)}.`,
      ),
    ),
    device: v.optional(v.picklist(["gpu", "cpu"] as const, (issue) => `"$field" must be "gpu" or "cpu", got ${got(issue)}.`)),
    files: v.optional(
      checkedWhole(
        v.pipe(
          v.unknown(),
          v.check((map) => !Array.isArray(map)),
          v.record(v.string(), v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
        ),
        (issue) => `"$field" must map file names to sha256 hashes, got ${JSON.stringify(issue.input).slice(0, 200)}.`,
      ),
    ),
  },
  "must hold a JSON object of run settings.",
);

// The schema's output type matches RlRunSpec's fields (a compile error here when the two drift apart).
type CheckedSpec = v.InferOutput<typeof RunSpecSchema>;
const _specFields = (checked: CheckedSpec): Pick<RlRunSpec, keyof CheckedSpec> => checked;

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
  const r = v.safeParse(RunSpecSchema, value, { abortPipeEarly: true });
  if (!r.success) throw damaged(file, issueText(r.issues[0]).message);
  // Checked: the fields the schema lists have their types; any others are kept as written.
  return value as RlRunSpec;
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
