/**
 * Escaping untrusted text (trace steps, critiques, model names) for Markdown that VS Code renders
 * in hovers. Trace text is model output: it must never become a link, a `command:` URI, HTML, an
 * image, a heading or list, a theme icon (`$(name)`), or close a code span. No `vscode` import.
 *
 * - `escapeMarkdown`: every ASCII punctuation character is backslash-escaped (CommonMark allows an
 *   escape before any of them, and then renders the character literally), except `&`, `<` and `>`,
 *   which become `&amp;`, `&lt;` and `&gt;` so no HTML tag, autolink or entity survives. Escaping `:`
 *   and `.` also stops GFM's bare-URL autolinks (`https://…`, `www.…`). Line breaks and other control
 *   characters become spaces (and bidirectional overrides are dropped), so the text stays inside the
 *   paragraph it was put in.
 * - `codeSpan`: a code span whose backtick fence is longer than any run of backticks inside, so the
 *   content cannot close it (backslashes do not escape inside code spans).
 */

// Every ASCII punctuation character; `&`, `<` and `>` become entities, the rest get a backslash.
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
// C0/C1 controls (line breaks included) and the Unicode bidirectional controls (Trojan-source style).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** `text` as literal Markdown text on one line (see the file comment). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(BIDI, "")
    .replace(CONTROL, " ")
    .replace(PUNCTUATION, (c) => ENTITIES[c] ?? `\\${c}`); // one pass: the entities' own `;` stays as is
}

/** `text` in an inline code span that nothing inside can close (one line; empty text gives an empty-looking span). */
export function codeSpan(text: string): string {
  const flat = text.replace(BIDI, "").replace(CONTROL, " ");
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  // A space on each side keeps a leading/trailing backtick from joining the fence; CommonMark strips one each side.
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" || (flat.startsWith(" ") && flat.endsWith(" ")) ? " " : "";
  return `${fence}${pad}${flat === "" ? " " : flat}${pad}${fence}`;
}
