/**
 * Verifier template files (the two layouts are described in src/verify/templates.ts): a `.json`
 * file, or a text file with optional front matter (read by the trace front-matter parser,
 * src/formats/text/frontMatter.ts; keys format, stepStyle, system). Errors name the file, the line
 * and the fix (code "bad-template"). No `vscode` import.
 */
import fs from "node:fs";
import path from "node:path";
import * as v from "valibot";
import { StepLensError } from "../core/errors";
import { LineIndex } from "../core/lineIndex";
import { parseFrontMatter } from "../formats/text/frontMatter";
import { BUILTIN_TEMPLATES } from "./builtinTemplates";
import { captureGroup } from "./captureGroup";
import { PLACEHOLDERS, SPARK_PLACEHOLDER_ALIASES, usesPlaceholder } from "./placeholders";
import { VERDICT_FORMATS, type VerdictFormat } from "./verification";
import type { StepStyle, VerifierTemplate } from "./verifierTemplate";

function fail(file: string, message: string, hint: string, line?: number): never {
  throw new StepLensError(message, { file, line, hint, code: "bad-template" });
}

/** Why front matter that opens on line 1 could not be read: never closed, or a line that is not `key: value`. */
function frontMatterProblem(file: string, text: string): never {
  const lines = text.split("\n");
  const close = lines.findIndex((l, i) => i > 0 && /^(?:---|\.\.\.)\s*$/.test(l));
  if (close < 0) fail(file, "the front matter opened on line 1 is never closed", "End it with a line holding only ---.", 1);
  for (let i = 1; i < close; i++) {
    const l = lines[i]!;
    if (!l.trim() || l.trim().startsWith("#") || /^[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|$)/.test(l)) continue;
    fail(file, `cannot read front matter line "${l.trim()}"`, "Write key: value (format, stepStyle or system).", i + 1);
  }
  return fail(file, "cannot read the front matter", "Write key: value lines (format, stepStyle or system) between two --- lines.", 1);
}

function checkPlaceholders(file: string, text: string, lineOffset: number): void {
  const lines = text.split("\n");
  lines.forEach((l, i) => {
    for (const m of l.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g))
      if (!(PLACEHOLDERS as readonly string[]).includes(captureGroup(m, 1)))
        fail(
          file,
          `unknown placeholder {{${m[1]}}}`,
          `Use one of ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")} (or SPARK's ${Object.keys(SPARK_PLACEHOLDER_ALIASES).join(", ")}).`,
          lineOffset + i + 1,
        );
  });
  if (!usesPlaceholder(text, ["problem"]))
    fail(file, "the template never uses {{problem}}", "Put {{problem}} (or __QUESTION_PLACEHOLDER__) where the problem should appear.");
  if (!usesPlaceholder(text, ["steps", "solution"]))
    fail(
      file,
      "the template never uses {{steps}} or {{solution}}",
      "Put {{steps}} or {{solution}} (or __SOLUTION_PLACEHOLDER__) where the solution's steps should appear.",
    );
}

function parseFormat(file: string, v: unknown, line?: number): VerdictFormat {
  if (typeof v === "string" && (VERDICT_FORMATS as readonly string[]).includes(v)) return v as VerdictFormat;
  return fail(
    file,
    `format ${JSON.stringify(v)} is not one of ${VERDICT_FORMATS.join(", ")}`,
    "Say which output format the prompt asks for, so that StepLens parses it.",
    line,
  );
}

function parseStepStyle(file: string, v: unknown, format: VerdictFormat, line?: number): StepStyle {
  if (v === undefined) return format === "processbench" ? "paragraph" : "step";
  if (v === "step" || v === "paragraph") return v;
  return fail(
    file,
    `stepStyle ${JSON.stringify(v)} is neither "step" nor "paragraph"`,
    '"step" shows "Step 1: …" lines; "paragraph" shows <paragraph_0> tags.',
    line,
  );
}

/** A few-shot example's problem; the message is completed with its index once the path is known. */
const exampleMessage = "fewShot example";
const NO_USER = 'the JSON template has no "user" text';

/** The JSON layout: the type and its checks from one declaration (valibot); each message names the field. */
const JsonTemplateSchema = v.object(
  {
    user: v.string(NO_USER),
    format: v.nullish(
      v.picklist(VERDICT_FORMATS, (issue) => `format ${JSON.stringify(issue.input)} is not one of ${VERDICT_FORMATS.join(", ")}`),
      "spark",
    ),
    system: v.optional(v.string('"system" is not a string')),
    userWithReference: v.optional(v.string('"userWithReference" is not a string')),
    stepStyle: v.optional(v.picklist(["step", "paragraph"], (issue) => `stepStyle ${JSON.stringify(issue.input)} is neither "step" nor "paragraph"`)),
    fewShot: v.optional(
      v.array(
        v.object(
          {
            problem: v.string(exampleMessage),
            steps: v.array(v.string(exampleMessage), exampleMessage),
            verification: v.string(exampleMessage),
          },
          exampleMessage,
        ),
        "fewShot is not a list",
      ),
    ),
  },
  // The object's own message also answers for a missing "user".
  NO_USER,
);

/** How to fix a problem with each field of a JSON template. */
const JSON_HINTS: Record<string, string> = {
  user: 'Give at least {"format": "spark", "user": "… {{problem}} … {{steps}} …"}.',
  format: "Say which output format the prompt asks for, so that StepLens parses it.",
  system: "Give the system message as a string, or leave it out.",
  userWithReference: "Give the reference-guided user message as a string, or leave it out.",
  stepStyle: '"step" shows "Step 1: …" lines; "paragraph" shows <paragraph_0> tags.',
  fewShot: 'Give a list of {"problem", "steps": [...], "verification"} objects.',
};

/** A parsed JSON template, checked against JsonTemplateSchema, then its placeholders. */
function jsonTemplate(file: string, value: unknown): VerifierTemplate {
  const r = v.safeParse(JsonTemplateSchema, Array.isArray(value) ? null : value, { abortEarly: true });
  if (!r.success) {
    const issue = r.issues[0];
    const key = String(issue.path?.[0]?.key ?? "user");
    if (key === "fewShot" && (issue.path?.length ?? 0) > 1)
      return fail(
        file,
        `fewShot[${String(issue.path![1]!.key)}] is not {"problem": string, "steps": string[], "verification": string}`,
        "Fix or remove that example.",
      );
    return fail(file, issue.message, JSON_HINTS[key] ?? JSON_HINTS.user!);
  }
  const t = r.output;
  checkPlaceholders(file, t.user, 0);
  if (t.userWithReference !== undefined) checkPlaceholders(file, t.userWithReference, 0);
  return {
    name: file,
    format: t.format,
    stepStyle: t.stepStyle ?? (t.format === "processbench" ? "paragraph" : "step"),
    system: t.system,
    user: t.user,
    ...(t.userWithReference !== undefined ? { userWithReference: t.userWithReference } : {}),
    fewShot: t.fewShot?.map((ex) => ({ problem: ex.problem, steps: ex.steps, verification: ex.verification })),
  };
}

/** Reads a template file (see the module comment for the two layouts). */
export function loadTemplateFile(file: string): VerifierTemplate {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new StepLensError(`cannot read the template file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file,
      hint: `Set steplens.verify.promptTemplate (or --template) to spark, processbench, thinkprm or an existing file.`,
    });
  }
  text = text.replace(/\r\n/g, "\n");
  if (file.toLowerCase().endsWith(".json")) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return fail(file, `the template is not valid JSON: ${(e as Error).message}`, "Fix the JSON, or use a plain-text template.");
    }
    return jsonTemplate(file, v);
  }
  let body = text;
  let offset = 0;
  const meta: Record<string, [string, number]> = {};
  if (text.startsWith("---\n")) {
    const index = new LineIndex(text);
    const fm = parseFrontMatter(text, index);
    if (!fm) frontMatterProblem(file, text);
    for (const f of fm.fields.values()) {
      if (!["format", "stepStyle", "system"].includes(f.key))
        fail(file, `unknown front matter key "${f.key}"`, "Known keys: format, stepStyle, system.", f.line + 1);
      meta[f.key] = [f.value, f.line + 1];
    }
    body = fm.bodyLine < index.lineCount ? text.slice(index.lineStart(fm.bodyLine)) : "";
    offset = fm.bodyLine;
  }
  // ProcessBench's published critique template (a Python format string) works verbatim.
  const python = PROCESSBENCH_PYTHON_TEMPLATE.test(body);
  if (python) body = fromPythonFormat(body);
  const format = parseFormat(file, meta.format?.[0] ?? (python ? "processbench" : "spark"), meta.format?.[1]);
  checkPlaceholders(file, body, offset);
  return { name: file, format, stepStyle: parseStepStyle(file, meta.stepStyle?.[0], format, meta.stepStyle?.[1]), system: meta.system?.[0], user: body.trim() };
}

/** ProcessBench's code/templates/critique_template.txt: Python str.format fields {problem} and {tagged_response}. */
const PROCESSBENCH_PYTHON_TEMPLATE = /\{tagged_response\}/;

/**
 * A Python format string as StepLens's template: {problem} → {{problem}}, {tagged_response} →
 * {{steps}} (the paragraphs tagged from 0, as ProcessBench's script tags them), `{{`/`}}` → `{`/`}`.
 */
function fromPythonFormat(text: string): string {
  return text.replace(/\{\{|\}\}|\{(problem|tagged_response)\}/g, (m, field: string | undefined) =>
    m === "{{" ? "{" : m === "}}" ? "}" : field === "problem" ? "{{problem}}" : "{{steps}}",
  );
}

/**
 * The template a setting names: a built-in name, or a path (relative paths resolve against `baseDir`,
 * e.g. the workspace folder or the CLI's working directory).
 */
export function resolveTemplate(setting: string, baseDir = process.cwd()): VerifierTemplate {
  const s = setting.trim() || "spark";
  if ((VERDICT_FORMATS as readonly string[]).includes(s)) return BUILTIN_TEMPLATES[s as VerdictFormat];
  return loadTemplateFile(path.resolve(baseDir, s));
}
