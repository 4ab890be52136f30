/**
 * The OpenAI request subset the server understands, checked field by field. A field of the wrong
 * type or range is a 400 that names it; options the engine cannot honour (streaming, echo, tools,
 * penalties, logit_bias, …) are refused by name rather than silently ignored. Unknown extra
 * fields are ignored, as vLLM does. No `vscode` import here.
 */
import { StepLensError } from "../core/errors";
import type { ChatMessage, SamplingOptions } from "../engines/engine";
import { CLIENT_SCHEMA_LIMITS, checkJsonSchema } from "../engines/jsonSchemaLimits";
import * as v from "valibot";
import { checkedWhole, jsonObject } from "../core/schemaIssue";
import { badParam } from "./apiError";
import { numberParam, parseRequest, typeOrMissing, unsupported, wrongType } from "./requestSchema";

export const MAX_N = 16;
export const MAX_TOP_LOGPROBS = 20;
export const MAX_STOP = 4;
export const MAX_PROMPTS = 32;

type Body = Record<string, unknown>;

const notSupported = "'$field' is not supported by steplens serve.";
const refused = unsupported(notSupported);
/** An option the server cannot honour: accepted only at its off value (absent, null, false, 0, {} or []). */
const offOnly = v.nullish(v.union([v.literal(false, refused), v.literal(0, refused), v.strictObject({}, refused), v.strictTuple([], refused)], refused));
const REFUSED_OPTIONS = [
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
] as const;

const stopType = wrongType("'$field' must be a non-empty string or an array of non-empty strings.");
/** `stop`: one string or up to MAX_STOP, none empty. */
const StopParam = v.nullish(
  v.pipe(
    v.union(
      [
        v.pipe(
          v.string(),
          v.transform((s) => [s]),
        ),
        v.array(v.string()),
      ],
      stopType,
    ),
    v.check((list) => !list.includes(""), stopType),
    v.maxLength(MAX_STOP, `'$field' takes at most ${MAX_STOP} strings.`),
  ),
);

/** The sampling parameters, checked in this order (the first failure answers). */
const samplingEntries = {
  stream: v.optional(
    v.pipe(
      v.unknown(),
      v.check((s) => s !== true, unsupported("Streaming is not supported by steplens serve; send stream: false.")),
    ),
  ),
  ...(Object.fromEntries(REFUSED_OPTIONS.map((key) => [key, offOnly])) as Record<(typeof REFUSED_OPTIONS)[number], typeof offOnly>),
  best_of: v.pipe(
    numberParam(1, MAX_N, true),
    v.check((b) => b == null || b <= 1, refused),
  ),
  n: numberParam(1, MAX_N, true),
  temperature: numberParam(0, 2),
  top_p: v.pipe(
    numberParam(0, 1),
    v.check((p) => p !== 0, "'$field' must be greater than 0."),
  ),
  seed: numberParam(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
  max_tokens: numberParam(1, 1_000_000, true),
};
const CompletionSamplingSchema = v.object({ ...samplingEntries, stop: StopParam });
const ChatSamplingSchema = v.object({ ...samplingEntries, max_completion_tokens: numberParam(1, 1_000_000, true), stop: StopParam });

export interface ParsedSampling extends SamplingOptions {
  n: number;
}

/** n, temperature, top_p, seed, max_tokens (chat also max_completion_tokens), stop, response_format. */
export function parseSampling(body: Body, chat: boolean): ParsedSampling {
  const p: v.InferOutput<typeof CompletionSamplingSchema> & { max_completion_tokens?: number | null } = chat
    ? parseRequest(ChatSamplingSchema, body)
    : parseRequest(CompletionSamplingSchema, body);
  const n = p.n ?? 1;
  const temperature = p.temperature ?? undefined;
  const topP = p.top_p ?? undefined;
  const seed = p.seed ?? undefined;
  let maxTokens = p.max_tokens ?? undefined;
  if (chat) maxTokens = p.max_completion_tokens ?? maxTokens;
  else maxTokens ??= 16; // the OpenAI completions default
  const stop = p.stop?.length ? p.stop : undefined;
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

const jsonSchemaMessage = wrongType("'response_format.json_schema.schema' must be a JSON schema object.");
const ResponseFormatSchema = jsonObject(
  {
    type: v.picklist(["text", "json_object", "json_schema"], "'$field' must be 'text', 'json_object' or 'json_schema'."),
    json_schema: v.unknown(),
  },
  wrongType("'$field' must be an object."),
);
/** `response_format.json_schema`: an object whose `schema` is a JSON schema object (any failure names `.schema`). */
const JsonSchemaHolder = checkedWhole(v.looseObject({ schema: jsonObject({}, "") }), jsonSchemaMessage);

/** response_format: text (none), json_object (any JSON object), json_schema (that schema, enforced by a grammar; over the limits of ../engines/jsonSchemaLimits.ts: a 400 with the reason). */
export function parseResponseFormat(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  const rf = parseRequest(ResponseFormatSchema, value, "response_format");
  if (rf.type === "text") return undefined;
  if (rf.type === "json_object") return { type: "object", additionalProperties: true };
  const { schema } = parseRequest(JsonSchemaHolder, rf.json_schema, "response_format.json_schema.schema");
  try {
    checkJsonSchema(schema, CLIENT_SCHEMA_LIMITS);
  } catch (e) {
    if (e instanceof StepLensError) throw badParam("response_format.json_schema.schema", e.message, "bad_schema");
    throw e;
  }
  return schema;
}

const CompletionLogprobsSchema = v.object({ logprobs: numberParam(0, MAX_TOP_LOGPROBS, true) });
const ChatLogprobsSchema = v.object({
  logprobs: v.nullish(v.boolean(wrongType("'$field' must be a boolean."))),
  top_logprobs: numberParam(0, MAX_TOP_LOGPROBS, true),
});

/** Completions: `logprobs` is an integer 0..20 (top tokens per position) or absent. */
export function parseCompletionLogprobs(body: Body): number | undefined {
  return parseRequest(CompletionLogprobsSchema, body).logprobs ?? undefined;
}

/** Chat: `logprobs: true` plus `top_logprobs` 0..20. Undefined when logprobs are not asked for. */
export function parseChatLogprobs(body: Body): number | undefined {
  const { logprobs, top_logprobs: top } = parseRequest(ChatLogprobsSchema, body);
  if (top != null && logprobs !== true) throw badParam("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
  return logprobs === true ? (top ?? 0) : undefined;
}

const promptShape = typeOrMissing("'$field' must be a string or a non-empty array of strings.", true);
const TokenIdPrompts = v.pipe(v.array(v.union([v.number(), v.array(v.unknown())])), v.minLength(1));
/** Completions' `prompt`: a string or a non-empty array of up to MAX_PROMPTS strings, none empty. */
const PromptsSchema = v.pipe(
  v.unknown(),
  v.check((p) => p !== "" && !(Array.isArray(p) && p.includes("")), "'$field' must not be empty."),
  v.check((p) => !v.is(TokenIdPrompts, p), unsupported("Token-id prompts are not supported by steplens serve; send text.")),
  v.union(
    [
      v.pipe(
        v.string(),
        v.transform((s) => [s]),
      ),
      v.pipe(v.array(v.string()), v.minLength(1, promptShape)),
    ],
    promptShape,
  ),
  v.maxLength(MAX_PROMPTS, `'$field' takes at most ${MAX_PROMPTS} strings per request.`),
);

/** Completions: a string or an array of strings (token-id prompts are refused). */
export function parsePrompts(value: unknown): string[] {
  return parseRequest(PromptsSchema, value, "prompt");
}

const TextPart = v.object({ type: v.literal("text"), text: v.string() });
const contentMessage = wrongType("'$field' must be a string or an array of text parts.");
/** Chat messages: system/developer/user/assistant with text content (a string or text parts, joined). */
const MessagesSchema = v.pipe(
  v.array(
    jsonObject(
      {
        role: v.pipe(
          v.picklist(
            ["system", "developer", "user", "assistant"],
            "'$field' must be system, developer, user or assistant (tool and function messages are not supported).",
          ),
          v.transform((r) => (r === "developer" ? "system" : r)),
        ),
        content: v.pipe(
          v.union(
            [
              v.string(),
              v.array(
                checkedWhole(TextPart, '\'$field\' must be a text part ({"type": "text", "text": "…"}); images and audio are not supported.'),
                contentMessage,
              ),
            ],
            contentMessage,
          ),
          v.transform((content) => (Array.isArray(content) ? content.map((part) => part.text).join("") : content)),
        ),
      },
      wrongType("'$field' must be an object."),
    ),
    typeOrMissing("'$field' must be a non-empty array.", true),
  ),
  v.minLength(1, typeOrMissing("'$field' must be a non-empty array.", true)),
);

/** Chat messages: system/developer/user/assistant with text content (string or text parts). */
export function parseMessages(value: unknown): ChatMessage[] {
  return parseRequest(MessagesSchema, value, "messages");
}
