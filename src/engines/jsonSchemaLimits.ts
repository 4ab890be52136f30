/**
 * Limits on the JSON schemas an engine turns into a grammar (node-llama-cpp compiles each one to a
 * GBNF grammar that llama.cpp expands). A schema beyond them is the caller's fault, not the engine's:
 * `checkJsonSchema` throws a StepLensError (code "bad-schema") with the reason, which the server
 * answers with a 400. The limits were measured on node-llama-cpp's converter: a `minItems` or
 * `minLength` in the low thousands already fails to parse in llama.cpp ("number of repetitions
 * exceeds sane defaults"), and 5,000 levels of nesting overflow the converter. No `vscode` import.
 */
import { StepLensError } from "../core/errors";
import { isJsonObject } from "../core/jsonValue";

export interface JsonSchemaLimits {
  /** Serialized size (JSON characters). */
  maxChars: number;
  /** Nesting depth of the schema document (objects and arrays). */
  maxDepth: number;
  /** Largest minItems / maxItems / minProperties / maxProperties / minContains / maxContains. */
  maxItems: number;
  /** Largest minLength. */
  maxMinLength: number;
  /** Largest maxLength. */
  maxLength: number;
}

/**
 * Limits for schemas a client sends (`response_format` on the server). 512 KiB leaves room for
 * StepLens's own constrained-verification schema of a 2,000-step trace (about 165 characters a step),
 * which the OpenAI engine sends to a StepLens server.
 */
export const CLIENT_SCHEMA_LIMITS: JsonSchemaLimits = { maxChars: 512 * 1024, maxDepth: 64, maxItems: 256, maxMinLength: 256, maxLength: 65_536 };

/** Limits inside the engine (StepLens's own verification schemas are larger: one entry per step). */
export const ENGINE_SCHEMA_LIMITS: JsonSchemaLimits = { ...CLIENT_SCHEMA_LIMITS, maxChars: 4 * 1024 * 1024 };

const ITEM_KEYS = ["minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains"];

function bad(message: string, path: string): StepLensError {
  return new StepLensError(`JSON schema ${message}${path ? ` (at ${path})` : ""}.`, {
    code: "bad-schema",
    hint: "Simplify the schema: fewer nesting levels, smaller repetition counts.",
  });
}

/** Throws a StepLensError (code "bad-schema") naming the first limit `schema` exceeds. Never recurses past `maxDepth`. */
export function checkJsonSchema(schema: unknown, limits: JsonSchemaLimits = CLIENT_SCHEMA_LIMITS, serialized?: string): void {
  if (!isJsonObject(schema)) throw bad("must be an object", "");
  // Depth first (iteratively), so a 5,000-deep schema is refused before anything recurses over it.
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: schema, depth: 1, path: "" }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (depth > limits.maxDepth) throw bad(`is nested more than ${limits.maxDepth} levels deep`, path);
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (typeof v === "object" && v !== null) stack.push({ value: v, depth: depth + 1, path: `${path}[${i}]` });
      });
      continue;
    }
    const o = value as Record<string, unknown>;
    for (const key of ITEM_KEYS) {
      const n = o[key];
      if (typeof n === "number" && n > limits.maxItems) throw bad(`'${key}' is ${n}, over the limit of ${limits.maxItems}`, path);
    }
    if (typeof o.minLength === "number" && o.minLength > limits.maxMinLength)
      throw bad(`'minLength' is ${o.minLength}, over the limit of ${limits.maxMinLength}`, path);
    if (typeof o.maxLength === "number" && o.maxLength > limits.maxLength)
      throw bad(`'maxLength' is ${o.maxLength}, over the limit of ${limits.maxLength}`, path);
    for (const [k, v] of Object.entries(o)) if (typeof v === "object" && v !== null) stack.push({ value: v, depth: depth + 1, path: `${path}/${k}` });
  }
  const chars = (serialized ?? JSON.stringify(schema)).length;
  if (chars > limits.maxChars) throw bad(`is ${chars} characters, over the limit of ${limits.maxChars}`, "");
}
