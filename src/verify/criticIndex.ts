/**
 * The ProcessBench critic's answer: the earliest wrong paragraph's index (0-based, -1 for none) in a
 * `\boxed{}`. Read by the official rule (ProcessBench's run_eval.py: the last `\boxed{[^}]*}`,
 * Python's int()) or leniently (the last box holding an index in any of its usual spellings).
 * Used by the ProcessBench strategies of src/verify/verdictStrategies.ts. No `vscode` import.
 */

import { captureGroup } from "./captureGroup";

export type CriticIndexRule = "official" | "lenient";
export const CRITIC_INDEX_RULES: readonly CriticIndexRule[] = ["official", "lenient"];

/** ProcessBench's answer: the content of the last `\boxed{…}` without nested braces (its regex), stripped. */
export function officialBoxedAnswer(text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(/\\boxed\{([^}]*)\}/g)) last = captureGroup(m, 1);
  return last === null ? null : last.trim();
}

/** Python's int() on a string: optional sign, digits (single underscores between them), surrounding white space. */
export function pythonInt(s: string): number | null {
  const [, sign, digits] = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(s) ?? [];
  if (sign === undefined || digits === undefined) return null;
  const n = Number(sign + digits.replace(/_/g, ""));
  return Number.isSafeInteger(n) ? n : null;
}

/** Every balanced `\boxed{…}` content, in order. */
export function boxedContents(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf("\\boxed{", from);
    if (at < 0) return out;
    let depth = 1;
    let i = at + 7;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    if (depth > 0) return out; // unbalanced: cut off
    out.push(text.slice(at + 7, i - 1));
    from = i;
  }
}

/** A paragraph index written in `\boxed{}`: "2", "-1", "\text{2}", "paragraph_2", "$2$". Null if not one. */
export function indexFromBoxed(content: string): number | null {
  let s = content.trim();
  for (let k = 0; k < 3; k++)
    s = s
      .replace(/^\\(?:text|textbf|mathbf|mathrm)\{([\s\S]*)\}$/, "$1")
      .replace(/^\$+|\$+$/g, "")
      .trim();
  s = s.replace(/^<|>$/g, "").trim();
  const [, written] = /^(?:paragraph[\s_]*)?(-?\s*\d+)$/i.exec(s) ?? [];
  if (written === undefined) return null;
  const n = Number(written.replace(/\s+/g, ""));
  return Number.isSafeInteger(n) ? n : null;
}
