/**
 * The OpenAI request subset the server understands, checked field by field. A field of the wrong
 * type or range is a 400 that names it; options the engine cannot honour (streaming, echo, tools,
 * penalties, logit_bias, …) are refused by name rather than silently ignored. Unknown extra
 * fields are ignored, as vLLM does. No `vscode` import here.
 */
import { StepLensError } from "../core/errors";
import type { ChatMessage, SamplingOptions } from "../engines/engine";
import { CLIENT_SCHEMA_LIMITS, checkJsonSchema } from "../engines/jsonSchemaLimits";
import { badParam } from "./apiError";

export const MAX_N = 16;
export const MAX_TOP_LOGPROBS = 20;
export const MAX_STOP = 4;
export const MAX_PROMPTS = 32;

type Body = Record<string, unknown>;

const present = (v: unknown) => v !== undefined && v !== null;

function number(body: Body, key: string, min: number, max: number, integer = false): number | undefined {
  const v = body[key];
  if (!present(v)) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw badParam(key, `'${key}' must be ${integer ? "an integer" : "a number"}.`, "invalid_type");
  }
  if (v < min || v > max) throw badParam(key, `'${key}' must be between ${min} and ${max}, got ${v}.`);
  return v;
}

/** Options this server refuses (non-default values only). */
function refuseUnsupported(body: Body, keys: string[]): void {
  if (body.stream === true) throw badParam("stream", "Streaming is not supported by steplens serve; send stream: false.", "unsupported_parameter");
  for (const key of keys) {
    const v = body[key];
    if (
      !present(v) ||
      v === false ||
      v === 0 ||
      (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0) ||
      (Array.isArray(v) && v.length === 0)
    )
      continue;
    throw badParam(key, `'${key}' is not supported by steplens serve.`, "unsupported_parameter");
  }
}

export interface ParsedSampling extends SamplingOptions {
  n: number;
}

/** n, temperature, top_p, seed, max_tokens (chat also max_completion_tokens), stop, response_format. */
export function parseSampling(body: Body, chat: boolean): ParsedSampling {
  refuseUnsupported(body, [
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "tools",
    "functions",
    "tool_choice",
    "function_call",
    "suffix",
    "echo",
    "audio",
    "prediction",
  ]);
  const bestOf = number(body, "best_of", 1, MAX_N, true);
  if (bestOf !== undefined && bestOf > 1) throw badParam("best_of", "'best_of' is not supported by steplens serve.", "unsupported_parameter");
  const n = number(body, "n", 1, MAX_N, true) ?? 1;
  const temperature = number(body, "temperature", 0, 2);
  const topP = number(body, "top_p", 0, 1);
  if (topP === 0) throw badParam("top_p", "'top_p' must be greater than 0.");
  const seed = number(body, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  let maxTokens = number(body, "max_tokens", 1, 1_000_000, true);
  if (chat) maxTokens = number(body, "max_completion_tokens", 1, 1_000_000, true) ?? maxTokens;
  else maxTokens ??= 16; // the OpenAI completions default
  const stop = parseStop(body.stop);
  const jsonSchema = parseResponseFormat(body.response_format);
  return {
    n,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { topP } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(stop ? { stop } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

function parseStop(v: unknown): string[] | undefined {
  if (!present(v)) return undefined;
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string" || s === "")) {
    throw badParam("stop", "'stop' must be a non-empty string or an array of non-empty strings.", "invalid_type");
  }
  if (list.length > MAX_STOP) throw badParam("stop", `'stop' takes at most ${MAX_STOP} strings.`);
  return list.length ? (list as string[]) : undefined;
}

/** response_format: text (none), json_object (any JSON object), json_schema (that schema, enforced by a grammar; over the limits of ../engines/jsonSchemaLimits.ts: a 400 with the reason). */
export function parseResponseFormat(v: unknown): object | undefined {
  if (!present(v)) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw badParam("response_format", "'response_format' must be an object.", "invalid_type");
  const rf = v as { type?: unknown; json_schema?: unknown };
  if (rf.type === "text") return undefined;
  if (rf.type === "json_object") return { type: "object", additionalProperties: true };
  if (rf.type === "json_schema") {
    const js = rf.json_schema as { schema?: unknown } | undefined;
    if (!js || typeof js !== "object" || !js.schema || typeof js.schema !== "object" || Array.isArray(js.schema)) {
      throw badParam("response_format.json_schema.schema", "'response_format.json_schema.schema' must be a JSON schema object.", "invalid_type");
    }
    try {
      checkJsonSchema(js.schema, CLIENT_SCHEMA_LIMITS);
    } catch (e) {
      if (e instanceof StepLensError) throw badParam("response_format.json_schema.schema", e.message, "bad_schema");
      throw e;
    }
    return js.schema as object;
  }
  throw badParam("response_format.type", "'response_format.type' must be 'text', 'json_object' or 'json_schema'.");
}

/** Completions: `logprobs` is an integer 0..20 (top tokens per position) or absent. */
export function parseCompletionLogprobs(body: Body): number | undefined {
  return number(body, "logprobs", 0, MAX_TOP_LOGPROBS, true);
}

/** Chat: `logprobs: true` plus `top_logprobs` 0..20. Undefined when logprobs are not asked for. */
export function parseChatLogprobs(body: Body): number | undefined {
  const lp = body.logprobs;
  if (present(lp) && typeof lp !== "boolean") throw badParam("logprobs", "'logprobs' must be a boolean.", "invalid_type");
  const top = number(body, "top_logprobs", 0, MAX_TOP_LOGPROBS, true);
  if (top !== undefined && lp !== true) throw badParam("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
  return lp === true ? (top ?? 0) : undefined;
}

/** Completions: a string or an array of strings (token-id prompts are refused). */
export function parsePrompts(v: unknown): string[] {
  if (v === "" || (Array.isArray(v) && v.some((p) => p === ""))) throw badParam("prompt", "'prompt' must not be empty.");
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === "string")) {
    if (v.length > MAX_PROMPTS) throw badParam("prompt", `'prompt' takes at most ${MAX_PROMPTS} strings per request.`);
    return v as string[];
  }
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === "number" || Array.isArray(p))) {
    throw badParam("prompt", "Token-id prompts are not supported by steplens serve; send text.", "unsupported_parameter");
  }
  throw badParam("prompt", "'prompt' must be a string or a non-empty array of strings.", present(v) ? "invalid_type" : "missing_required_parameter");
}

/** Chat messages: system/developer/user/assistant with text content (string or text parts). */
export function parseMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw badParam("messages", "'messages' must be a non-empty array.", present(v) ? "invalid_type" : "missing_required_parameter");
  }
  return v.map((m, i) => {
    const where = `messages[${i}]`;
    if (!m || typeof m !== "object") throw badParam(where, `'${where}' must be an object.`, "invalid_type");
    const { role, content } = m as { role?: unknown; content?: unknown };
    const r = role === "developer" ? "system" : role;
    if (r !== "system" && r !== "user" && r !== "assistant") {
      throw badParam(`${where}.role`, `'${where}.role' must be system, developer, user or assistant (tool and function messages are not supported).`);
    }
    return { role: r, content: textContent(content, `${where}.content`) };
  });
}

function textContent(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (!p || p.type !== "text" || typeof p.text !== "string") {
          throw badParam(`${where}[${j}]`, `'${where}[${j}]' must be a text part ({"type": "text", "text": "…"}); images and audio are not supported.`);
        }
        return p.text;
      })
      .join("");
  }
  throw badParam(where, `'${where}' must be a string or an array of text parts.`, "invalid_type");
}
