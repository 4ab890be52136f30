/**
 * Clean-up of an answer string before it is compared (shared by extraction and equivalence):
 * - wrappers: `$…$`, `$$…$$`, `\(…\)`, `\[…\]`, a whole `\boxed{…}` / `\fbox{…}`, bold `**…**`;
 * - text commands keep their content: `\text{}`, `\textbf{}`, `\textit{}`, `\mathrm{}`, `\mathbf{}`,
 *   `\operatorname{}`, `\mbox{}`; `\left` / `\right`, `\displaystyle`, spacing (`\,` `\;` `\!` `~`)
 *   and `\dfrac` / `\tfrac` (→ `\frac`) are normalised;
 * - trailing punctuation (`.` `,` `;` `!`), a leading "is" / "=" and a trailing "only";
 * - a leading currency sign (`\$5`, `$5` inside math) and trailing units: words of two or more letters
 *   (or anything that came from `\text{}`/`\mathrm{}`) after a number, e.g. "5 cm", "12 \text{ dollars}",
 *   "3 \mathrm{m}^2";
 * Line breaks become spaces and runs of spaces one space. No `vscode` import here.
 */
import { findLastBoxed } from "../core/finalAnswer";
import { MAX_ANSWER_CHARS } from "./bounds";

const TEXT_COMMANDS = ["text", "textbf", "textit", "textrm", "textnormal", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "operatorname", "mbox", "hbox"];
/** Marks text that came out of a text command, so unit stripping knows it was prose. */
const TEXT_MARK = "\u0001";

/** Replaces `\cmd{content}` (balanced) by `wrap(content)` for each command in `names`. */
const commandPatterns = new Map<string, RegExp>();

export function replaceCommand(s: string, names: readonly string[], wrap: (content: string) => string): string {
  if (!s.includes("\\")) return s;
  const key = names.join("|");
  let re = commandPatterns.get(key);
  if (!re) commandPatterns.set(key, (re = new RegExp(`\\\\(${key})\\s*\\{`, "g")));
  re.lastIndex = 0;
  let out = "";
  let from = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let close = -1;
    for (let i = open; i < s.length; i++) {
      const c = s[i];
      if (c === "\\") {
        i++;
        continue;
      }
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) break; // unbalanced: leave the rest as it is
    out += s.slice(from, m.index) + wrap(s.slice(open + 1, close));
    from = close + 1;
    re.lastIndex = from;
  }
  return out + s.slice(from);
}

/** The next `$` at or after `from` that is not escaped (`\$` is a dollar sign). */
function nextDollar(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === "$") return i;
  }
  return -1;
}

function stripWrappers(s: string): string {
  for (let changed = true; changed;) {
    changed = false;
    s = s.trim();
    const pairs: [string, string][] = [
      ["$$", "$$"],
      ["\\[", "\\]"],
      ["\\(", "\\)"],
      ["**", "**"],
    ];
    for (const [a, b] of pairs) {
      if (s.length >= a.length + b.length + 1 && s.startsWith(a) && s.endsWith(b)) {
        s = s.slice(a.length, s.length - b.length);
        changed = true;
      }
    }
    if (s.length >= 3 && s.startsWith("$") && s.endsWith("$") && !s.startsWith("$$") && !s.endsWith("\\$") && nextDollar(s, 1) === s.length - 1) {
      s = s.slice(1, -1);
      changed = true;
    }
    if (/^\\(?:boxed|fbox)\s*\{\s*\}$/.test(s)) return "";
    const box = findLastBoxed(s);
    if (box && box.start === 0 && box.end === s.length) {
      s = box.content;
      changed = true;
    }
  }
  return s;
}

/** A number (digits with separators, decimals, a fraction, a LaTeX number) that units may follow. */
const NUMBER_HEAD = /^([-+−]?\s*(?:\\\$\s*)?(?:\d[\d,{} ]*(?:\.\d+)?|\.\d+)(?:\s*(?:\/|\\frac\{\d+\}\{\d+\})\s*\d*)?(?:\s*\\%|%)?)\s*(.*)$/s;

function stripUnits(s: string): string {
  // "\mathrm{18 cm}": the number may sit inside the text command with its unit.
  const [, head, tail] = NUMBER_HEAD.exec(s.startsWith(TEXT_MARK) ? s.slice(1) : s) ?? [];
  if (head === undefined || !tail) return s;
  const rest = s.startsWith(TEXT_MARK) ? TEXT_MARK + tail : tail;
  // Units: letters (optionally from \text), with ^2 / ^3, "per", "/", spaces; at least one word of 2+ letters
  // or text-command content. "2 x" stays (x is a variable), "5 cm", "6 \text{m}^2" lose their unit.
  if (!/^[\u0001A-Za-z\s^{}\d/.\\-]*$/.test(rest)) return s;
  // A second number ("1 and 2", "3 or 4") is a list, not a unit; digits right after ^ are powers of a unit.
  if (/(?:^|[^^{\d])\d/.test(rest.replace(/\^\{?\d+\}?/g, ""))) return s;
  const fromText = rest.includes(TEXT_MARK);
  const words = rest.replace(/\u0001/g, " ").match(/[A-Za-z]+/g) ?? [];
  if (!words.length) return s;
  // A lone letter after a number is a variable ("2 x"), except the SI unit letters m, g, s, L ("153 m").
  const unitLetter = words.length === 1 && /^\s*[mgsL]\s*(?:\^\{?[23]\}?)?$/.test(rest);
  if (!fromText && !unitLetter && !words.some((w) => w.length >= 2 && !/^(?:sqrt|frac|pi|sin|cos|tan|log|ln|cdot|times|circ|degree)$/.test(w))) return s;
  // A LaTeX command after the number ("3 \ge x", "2 \sqrt 3") is math, not a unit (units from
  // \text{} / \mathrm{} were marked above and have no backslash left).
  if (/\\[A-Za-z]/.test(rest)) return s;
  if (!fromText && !unitLetter && /^\s*[A-Za-z]\b/.test(rest) && words[0]?.length === 1) return s;
  return head.trim();
}

/** The answer string, cleaned as described at the top of this file. */
export function cleanAnswer(raw: string): string {
  // Past the size bound an answer is not compared (bounds.ts): it is only trimmed, in linear time.
  if (raw.length > MAX_ANSWER_CHARS) return raw.replace(/\s+/g, " ").trim();
  let s = raw.replace(/\r\n?|\n/g, " ");
  s = stripWrappers(s);
  s = s.replace(/\\(?:dfrac|tfrac|cfrac)(?![A-Za-z])/g, "\\frac");
  s = s.replace(/\\(?:displaystyle|left|right|big|Big|bigg|Bigg)(?![A-Za-z])/g, "");
  s = s.replace(/(?<!\\)\\[,;:! ]|~/g, " ").replace(/\\quad|\\qquad/g, " ");
  s = replaceCommand(s, TEXT_COMMANDS, (c) => `${TEXT_MARK}${c}${TEXT_MARK}`);
  s = stripWrappers(s); // "$\text{…}$" may unwrap further
  // A box inside the answer ("180^\circ - 90^\circ = \boxed{90^\circ}") keeps its content.
  s = replaceCommand(s, ["boxed", "fbox"], (c) => c);
  s = s.replace(/\s+/g, " ").trim();
  // Leading "is", "=", ":" (e.g. from "the answer is = 4") and trailing punctuation / "only".
  for (let changed = true; changed;) {
    const before = s;
    s = s
      .replace(/^(?:is\b|=|:)\s*/i, "")
      .replace(/\s*(?:[.,;]|(?<=[A-Za-z\s])!|\bonly)$/i, "")
      .trim();
    s = stripWrappers(s).trim();
    changed = s !== before;
  }
  s = stripUnits(s);
  s = s.replace(/^\\\$\s*/, "").replace(/^\$\s*(?=\d)/, "");
  s = s
    .replace(/\u0001/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return s;
}
