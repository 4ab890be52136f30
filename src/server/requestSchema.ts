/**
 * Request bodies checked against valibot schemas (the type and its checks from one declaration):
 * the first failing check becomes the server's 400 in OpenAI's shape, naming the parameter (from
 * the issue's path, e.g. `items[3].response`) with the check's message and code (see
 * src/core/schemaIssue.ts for `$field` and `coded`). No `vscode` import here.
 */
import * as v from "valibot";
import { coded, issueText } from "../core/schemaIssue";
import { ApiError, badParam } from "./apiError";

/** The code of a batch over the server's item limit: answered 413 (Payload Too Large), naming no parameter. */
export const BATCH_TOO_LARGE = "batch_too_large";

type Message = string | ((issue: v.BaseIssue<unknown>) => string);

/** A wrong type, or a required parameter that is absent (`undefined`; also `null` when `nullIsMissing`). */
export const typeOrMissing = (message: Message, nullIsMissing = false) =>
  coded((issue) => (issue.input === undefined || (nullIsMissing && issue.input === null) ? "missing_required_parameter" : "invalid_type"), message);
/** A wrong type. */
export const wrongType = (message: Message) => coded("invalid_type", message);
/** An option the server does not honour. */
export const unsupported = (message: string) => coded("unsupported_parameter", message);

/**
 * `value` checked by `schema` (output typed by it); the first failure, in the order the schema
 * declares its checks, is a 400 naming `base` + the issue's path. A pipe stops at its first failed
 * check (`abortPipeEarly`: no later check sees a value of the wrong type), but not `abortEarly`:
 * valibot then marks an array with one bad item as untyped, and a union around it would answer with
 * its own message instead of the item's.
 */
export function parseRequest<S extends v.GenericSchema>(schema: S, value: unknown, base = ""): v.InferOutput<S> {
  const r = v.safeParse(schema, value, { abortPipeEarly: true });
  if (r.success) return r.output;
  const { field, message, code } = issueText(r.issues[0], base);
  if (code === BATCH_TOO_LARGE) throw new ApiError(413, message, "invalid_request_error", null, code);
  throw badParam(field, message, code ?? "invalid_value");
}

/** An optional number in [min, max] (an integer when `integer`); null counts as absent. */
export function numberParam(min: number, max: number, integer = false) {
  const type = wrongType(`'$field' must be ${integer ? "an integer" : "a number"}.`);
  const range = (issue: v.BaseIssue<unknown>) => `'$field' must be between ${min} and ${max}, got ${String(issue.input)}.`;
  return v.nullish(
    integer
      ? v.pipe(v.number(type), v.integer(type), v.minValue(min, range), v.maxValue(max, range))
      : v.pipe(v.number(type), v.finite(type), v.minValue(min, range), v.maxValue(max, range)),
  );
}
