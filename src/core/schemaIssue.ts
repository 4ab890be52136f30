/**
 * Helpers for boundary schemas declared with valibot (the type and its checks from one declaration):
 * the field an issue is about, named the way the error names it (`items[0].prompt`,
 * `messages[2].content[1]`), and messages that name that field.
 *
 * valibot builds an issue's message where the check fails, before the enclosing objects and arrays
 * add their keys to its path, so a message cannot know the full field name yet. A message therefore
 * writes `$field` where the name goes; `issueText` fills it in from the finished path. A check whose
 * failure needs a code besides its message (an HTTP API's error code) puts it in front, separated by
 * CODE_SEPARATOR (`coded`), and `issueText` hands it back apart. No `vscode` import here.
 */
import * as v from "valibot";

/** Where `$field` stands in a message, the issue's field name goes. */
export const FIELD = "$field";
const CODE_SEPARATOR = "\u001f";

/** An issue's field: keys joined by dots, array indices in brackets; `base` for the value itself ("" at the top). */
export function issueField(issue: v.BaseIssue<unknown>, base = ""): string {
  let field = base;
  for (const item of issue.path ?? []) {
    const key = item.key;
    field += Number.isInteger(key) ? `[${String(key)}]` : field ? `.${String(key)}` : String(key);
  }
  return field;
}

type Message = string | ((issue: v.BaseIssue<unknown>) => string);
const textOf = (m: Message, issue: v.BaseIssue<unknown>) => (m instanceof Function ? m(issue) : m);

/** A message that carries a code (chosen from the issue when a function), split off again by `issueText`. */
export function coded(code: Message, message: Message): (issue: v.BaseIssue<unknown>) => string {
  return (issue) => `${textOf(code, issue)}${CODE_SEPARATOR}${textOf(message, issue)}`;
}

/** The issue's field, its message with `$field` filled in, and its code (when `coded` gave one). */
export function issueText(issue: v.BaseIssue<unknown>, base = ""): { field: string; message: string; code: string | undefined } {
  const field = issueField(issue, base);
  const cut = issue.message.indexOf(CODE_SEPARATOR);
  const code = cut >= 0 ? issue.message.slice(0, cut) : undefined;
  const message = (cut >= 0 ? issue.message.slice(cut + 1) : issue.message).split(FIELD).join(field);
  return { field, message, code };
}

/**
 * A JSON object checked against `entries` (other keys dropped). Unlike valibot's own object schemas,
 * an array is refused too (with `message`, as any value that is no object), and a missing key is
 * checked as `undefined` by its own entry, so that entry's message names it (valibot would answer
 * with the object's message).
 */
export function jsonObject<E extends v.ObjectEntries>(entries: E, message: Message) {
  return v.pipe(
    v.unknown(),
    v.check((x) => !Array.isArray(x), message),
    v.looseObject({}, message),
    v.transform((o) => Object.fromEntries(Object.keys(entries).map((key) => [key, o[key]]))),
    v.object(entries),
  );
}

/**
 * `schema` checked as one value: whatever fails inside it is reported at the value itself, with
 * `message` (a check, not a schema, so that an array of these stays typed and a union around the
 * array reports this issue rather than its own).
 */
export function checkedWhole<S extends v.GenericSchema>(schema: S, message: Message) {
  return v.pipe(
    v.custom<v.InferOutput<S>>(() => true),
    v.check((x) => v.is(schema, x), message),
  );
}
