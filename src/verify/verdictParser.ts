/**
 * ONE parser for every verifier output format StepLens asks for:
 * - SPARK: `## Step k: <analysis>` … `**This step is correct.**` / `**This step is incorrect.**`,
 *   ending `**Verification: Is the answer correct (Yes/No)? X**`;
 * - ProcessBench critic: a review, then the earliest wrong paragraph's index (0-based) in `\boxed{}`,
 *   -1 when none (the LAST `\boxed{}` holding an index is the answer; ProcessBench's own evaluation
 *   reads the last `\boxed{}`, and a later one quoting the solution's answer is skipped, with a warning);
 * - ThinkPRM: `Step k: … \boxed{correct}` / `\boxed{incorrect}`, then "Is the solution correct? Yes/No";
 * - the compact PRM target (`Step k: Correct` lines) and the JSON of constrained mode.
 *
 * Tolerated variants: `<think>…</think>` (stripped; also an unclosed one, or a lone `</think>` when the
 * chat template opened it), headings of any level, bold or not, "Step 3:", "Step 3.", "**Step 3**",
 * "Step 3 (title):", "Paragraph 2", numbering gaps, missing or repeated steps, 0-based numbering,
 * verdict phrasing ("This step is correct", "Correct.", "Verdict: incorrect", "✓"), any case.
 *
 * Never guessed: a step whose section holds both verdicts at its strongest level of evidence gets
 * no verdict (with a warning); an output with no verdict at all is reported as malformed, with the
 * reason. Contradictions between step verdicts and the final verdict are kept and warned about.
 */
import type { Generation } from "../engines/engine";
import { parseConstrained } from "./constrainedSchema";
import { splitThinking } from "./thinking";
import {
  contradictionWarnings,
  firstErrorFromVerdicts,
  type OutcomeVerdict,
  type ParsedStep,
  type StepVerdictValue,
  type VerdictFormat,
  type VerificationParse,
} from "./verification";

export interface ParseOptions {
  /** Steps in the trace that was verified. */
  stepCount: number;
  /** The format the prompt asked for (default "spark"). */
  format?: VerdictFormat;
  /** Number the prompt gave the first step: 1 ("Step 1", default) or 0 (ProcessBench paragraphs). */
  stepBase?: 0 | 1;
  /** The output must be the constrained JSON (otherwise JSON is still recognised when present). */
  json?: boolean;
  finishReason?: Generation["finishReason"];
  /**
   * How the final Yes/No verdict is read. "steplens" (default): every final-verdict statement in the
   * text is read, and Yes and No together leave it undetermined (with a warning). "spark": SPARK's
   * rule, the first of its patterns that matches decides (see SPARK_FINAL_PATTERNS).
   */
  finalVerdictRule?: FinalVerdictRule;
  /**
   * How the ProcessBench critic's index is read. "lenient" (default): the last `\boxed{}` holding an
   * index ("2", "\text{2}", "paragraph_2"; a later non-index box is skipped), else the first paragraph
   * judged incorrect. "official": as ProcessBench's run_eval.py, the last `\boxed{[^}]*}` of the whole
   * output (thinking included) read with Python's int(); anything else is no prediction.
   */
  criticIndex?: CriticIndexRule;
}

export type FinalVerdictRule = "steplens" | "spark";
export const FINAL_VERDICT_RULES: readonly FinalVerdictRule[] = ["steplens", "spark"];
export type CriticIndexRule = "official" | "lenient";
export const CRITIC_INDEX_RULES: readonly CriticIndexRule[] = ["official", "lenient"];

type Polarity = "correct" | "incorrect";
/** Strength of the evidence for a verdict: 1 formatted (bold, boxed, own line, label), 2 sentence, 3 check mark. */
interface Marker {
  tier: 1 | 2 | 3;
  polarity: Polarity;
}

const WORD_CORRECT = String.raw`correct|right|valid`;
const WORD_INCORRECT = String.raw`incorrect|wrong|invalid|erroneous|flawed|not\s+(?:(?:entirely|quite|fully|completely|totally)\s+)?correct`;
const VERDICT_WORD = `(${WORD_INCORRECT}|${WORD_CORRECT})`;

function polarity(word: string): Polarity {
  return new RegExp(`^(?:${WORD_INCORRECT})$`, "i").test(word.trim()) ? "incorrect" : "correct";
}

/**
 * "This step is correct", "Correct", "Verdict: wrong", "The step is not correct". ("Step 3 is
 * incorrect" lines are step headings with a verdict: see HEADER.)
 */
const VERDICT_PHRASE = new RegExp(
  String.raw`^(?:(?:so|thus|therefore|hence|overall)[,:]?\s+)?(?:(?:this|the)\s+step\s+(?:is|was)\s+|(?:verdict|judge?ment|assessment|evaluation|result|status)\s*[:：]\s*)?` +
    VERDICT_WORD +
    "$",
  "i",
);
const CHECK_CORRECT = /[✓✔✅]/u;
const CHECK_INCORRECT = /[✗✘❌]/u;
const LABELLED = new RegExp(
  String.raw`\b(?:verdict|judge?ment|assessment|evaluation|status)\s*[:：]\s*(?:\*\*|__)?\s*(?:(?:this|the)\s+step\s+is\s+)?` + VERDICT_WORD + String.raw`\b`,
  "gi",
);
const BOXED_VERDICT = /\\boxed\{\s*(?:\\text(?:bf|rm)?\{\s*)?(correct|incorrect)\s*\}?\s*\}/gi;
const SENTENCE = new RegExp(String.raw`\b(?:this|the)\s+step\s+(?:is|was)\s+` + VERDICT_WORD + String.raw`\b`, "gi");
const BOLD = /\*\*([^*\n]{1,100}?)\*\*|__([^_\n]{1,100}?)__/g;

/** Line markers that are formatting only: list bullets, heading hashes, bold/italic, quotes. */
function stripDecoration(line: string): string {
  return line
    .trim()
    .replace(/^>\s*/, "")
    .replace(/^#{1,6}\s*/, "")
    .replace(/^(?:[-*+•]|\d+[.)])\s+/, "")
    .replace(/^[*_]+|[*_]+$/g, "")
    .replace(/^[*_]+|[*_]+$/g, "")
    .trim()
    .replace(/[.!:;]+$/, "")
    .replace(/^[*_]+|[*_]+$/g, "")
    .trim();
}

/** A line that is only a verdict ("**This step is correct.**", "Correct.", "✓", "✗ Incorrect"). */
function standaloneVerdict(line: string): Polarity | null {
  const s = stripDecoration(line);
  if (!s) return null;
  const m = VERDICT_PHRASE.exec(s);
  if (m) return polarity(m[1]);
  const rest = s.replace(/[✓✔✅✗✘❌]/gu, "").replace(/^[\s:–—-]+|[\s:–—-]+$/g, "");
  const hasC = CHECK_CORRECT.test(s);
  const hasI = CHECK_INCORRECT.test(s);
  if (hasC === hasI) return null;
  const p: Polarity = hasC ? "correct" : "incorrect";
  if (!rest) return p;
  const w = VERDICT_PHRASE.exec(stripDecoration(rest));
  return w && polarity(w[1]) === p ? p : null;
}

/** Verdict markers in a block of section text; `lines` also tells which lines are verdict-only. */
function markersIn(text: string): { markers: Marker[]; verdictLines: Set<number> } {
  const markers: Marker[] = [];
  const verdictLines = new Set<number>();
  text.split("\n").forEach((line, i) => {
    const p = standaloneVerdict(line);
    if (p) {
      markers.push({ tier: 1, polarity: p });
      verdictLines.add(i);
    }
  });
  for (const m of text.matchAll(BOXED_VERDICT)) markers.push({ tier: 1, polarity: polarity(m[1]) });
  for (const m of text.matchAll(LABELLED)) markers.push({ tier: 1, polarity: polarity(m[1]) });
  for (const m of text.matchAll(BOLD)) {
    const inner = (m[1] ?? m[2])
      .trim()
      .replace(/[.!:;]+$/, "")
      .trim();
    const v = VERDICT_PHRASE.exec(inner);
    if (v) markers.push({ tier: 1, polarity: polarity(v[1]) });
  }
  for (const m of text.matchAll(SENTENCE)) markers.push({ tier: 2, polarity: polarity(m[1]) });
  for (const ch of text.matchAll(/[✓✔✅✗✘❌]/gu)) markers.push({ tier: 3, polarity: CHECK_CORRECT.test(ch[0]) ? "correct" : "incorrect" });
  return { markers, verdictLines };
}

/** The verdict of the strongest evidence level present; both polarities there → no verdict. */
function decide(markers: Marker[]): { verdict: StepVerdictValue; conflict: boolean } {
  if (!markers.length) return { verdict: "not-given", conflict: false };
  const top = Math.min(...markers.map((m) => m.tier));
  const pols = new Set(markers.filter((m) => m.tier === top).map((m) => m.polarity));
  if (pols.size > 1) return { verdict: "not-given", conflict: true };
  return { verdict: [...pols][0], conflict: false };
}

/** A step (or paragraph) heading line. Groups: 1 hashes, 2 number, 3 rest of the line. */
const HEADER = new RegExp(
  String.raw`^[ \t]{0,3}(#{1,6})?[ \t]*(?:(?:[-*+•]|\d+[.)])[ \t]+)?(?:\*\*|__|\*|_)?[ \t]*(?:step|paragraph)[ \t]*[_#]?[ \t]*(\d+)(?![\d]|\.\d)` +
    String.raw`(?:[ \t]*\([^)\n]{0,80}\))?[ \t]*(?:\*\*|__|\*|_)?[ \t]*(?:[:.)–—-]|\*\*|__|$|(?=[ \t]+(?:is|was)[ \t]))(.*)$`,
  "i",
);
const HEADING = /^[ \t]{0,3}(#{1,6})[ \t]+\S/;
/** A label alone on its line that closes the step sections ("**Summary**", "Final verdict:"). */
const TRAILER =
  /^(?:final\s+(?:verdict|answer|assessment|evaluation|judge?ment)|conclusion|summary|overall\s+(?:verdict|assessment)|in summary|to summarize)$/i;

/** Final (outcome) verdict statements; group 1 is the verdict word. */
const FINAL_PATTERNS: RegExp[] = [
  /\bis\s+the\s+(?:final\s+)?(?:answer|solution)\s+correct\s*(?:\(\s*yes\s*\/\s*no\s*\))?\s*\??\s*[:：]?\s*(?:\*\*|__|\*)?\s*(?:\\boxed\{\s*(?:\\text\{\s*)?)?(yes|no)\b/gi,
  /\bverification\s*[:：]\s*(?:\*\*|__)?\s*(yes|no)\b/gi,
  /\bfinal\s+(?:verdict|judge?ment|assessment|evaluation)\s*[:：]?\s*(?:\*\*|__)?\s*(?:\\boxed\{\s*(?:\\text\{\s*)?)?(yes|no|correct|incorrect)\b/gi,
  /\\boxed\{\s*(?:\\text\{\s*)?(yes|no)\s*\}?\s*\}/gi,
];
/**
 * SPARK's final-verdict patterns, in its order (`critique/1_step_outcome_formatting.py`,
 * case-insensitive, `.` not crossing lines, `$` the end of the text): the first that matches decides.
 */
export const SPARK_FINAL_PATTERNS: readonly RegExp[] = [
  /Verification:\s*Is the answer correct.*?\?\s*(Yes|No)/i,
  /Is the answer correct.*?\?\s*(Yes|No)/i,
  /answer correct.*?\?\s*(Yes|No)/i,
  /\*\*Verification:\s*Is the answer correct.*?\?\s*(Yes|No)\*\*/i,
  /\?\s*(Yes|No)\s*\*\*\s*$/i,
  /\?\s*(Yes|No)\s*$/i,
];

/** SPARK's rule: the verdict of the first pattern (in SPARK's order) that matches; null when none does. */
export function sparkFinalVerdict(visible: string): OutcomeVerdict | null {
  const text = visible.replace(/\s+$/, "");
  for (const re of SPARK_FINAL_PATTERNS) {
    const m = re.exec(text);
    if (m) return m[1].toLowerCase() === "yes" ? "yes" : "no";
  }
  return null;
}

/** ProcessBench's answer: the content of the last `\boxed{…}` without nested braces (its regex), stripped. */
export function officialBoxedAnswer(text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(/\\boxed\{([^}]*)\}/g)) last = m[1];
  return last === null ? null : last.trim();
}

/** Python's int() on a string: optional sign, digits (single underscores between them), surrounding white space. */
export function pythonInt(s: string): number | null {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(s);
  if (!m) return null;
  const n = Number(m[1] + m[2].replace(/_/g, ""));
  return Number.isSafeInteger(n) ? n : null;
}

/** Weaker outcome statements, used only outside the step sections and only when nothing above matched. */
const FINAL_WEAK = /\b(?:the|this)\s+(?:final\s+)?(?:answer|solution)\s+is\s+(correct|incorrect|not\s+correct|wrong)\b/gi;
/** A final-verdict line whose placeholder was never filled in. */
const FINAL_UNFILLED = /\bis\s+the\s+(?:final\s+)?(?:answer|solution)\s+correct\s*\(\s*yes\s*\/\s*no\s*\)\s*\?/i;

function outcomeWord(w: string): OutcomeVerdict {
  const s = w.toLowerCase().replace(/\s+/g, " ");
  return s === "yes" || s === "correct" ? "yes" : "no";
}

function isFinalLine(line: string): boolean {
  return FINAL_PATTERNS.some((re) => new RegExp(re.source, "i").test(line)) || FINAL_UNFILLED.test(line);
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
  const m = /^(?:paragraph[\s_]*)?(-?\s*\d+)$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1].replace(/\s+/g, ""));
  return Number.isSafeInteger(n) ? n : null;
}

interface Section {
  number: number;
  level: number;
  lines: string[];
  /** Verdicts given as "Step k is correct" lines (the heading itself, or a later line of the section). */
  markers: Marker[];
}

interface TextParse {
  sections: Section[];
  outside: string[];
}

function splitSections(visible: string): TextParse {
  const sections: Section[] = [];
  const outside: string[] = [];
  let current: Section | null = null;
  let inFence = false;
  for (const line of visible.split(/\r?\n/)) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const h = inFence ? null : HEADER.exec(line);
    if (h) {
      const number = Number(h[2]);
      const rest = h[3] ?? "";
      const hm = /^\s*(?:is|was)\s+(not\s+correct|incorrect|correct|wrong|right)\b/i.exec(rest);
      const marker: Marker | null = hm ? { tier: 1, polarity: polarity(hm[1]) } : null;
      // "Step k is/was …" inside the section of step j ≥ k is prose, not a new section: a verdict
      // when k = j ("… Step 3 is incorrect."), a back-reference when k < j ("Step 1 was correct, but …").
      if (marker && current && number <= current.number) {
        if (number === current.number) current.markers.push(marker);
        const onlyVerdict = number === current.number && !rest.slice(hm![0].length).replace(/[\s.!*_]/g, "");
        if (!onlyVerdict) current.lines.push(line);
        continue;
      }
      current = {
        number,
        level: h[1]?.length ?? 0,
        lines: [marker ? rest.replace(/^\s*(?:is|was)\s+(?:not\s+correct|incorrect|correct|wrong|right)\b[\s.:,;-]*/i, "") : rest],
        markers: marker ? [marker] : [],
      };
      sections.push(current);
      continue;
    }
    if (current && !inFence) {
      const heading = HEADING.exec(line);
      const endsByHeading = heading !== null && (current.level === 0 || heading[1].length <= current.level);
      if (endsByHeading || TRAILER.test(stripDecoration(line)) || isFinalLine(line)) current = null;
    }
    if (current) current.lines.push(line);
    else outside.push(line);
  }
  return { sections, outside };
}

function cleanCritique(lines: string[], verdictLines: Set<number>): string {
  return lines
    .filter((_, i) => !verdictLines.has(i))
    .join("\n")
    .replace(BOLD, (m, a: string | undefined, b: string | undefined) => {
      const inner = (a ?? b ?? "")
        .trim()
        .replace(/[.!:;]+$/, "")
        .trim();
      return VERDICT_PHRASE.test(inner) ? "" : m;
    })
    .replace(/^[ \t]*(?:\*\*|__)[ \t]*$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function finalVerdictOf(visible: string, outsideText: string, warnings: string[], rule: FinalVerdictRule): OutcomeVerdict | null {
  if (rule === "spark") {
    const v = sparkFinalVerdict(visible);
    if (v === null && FINAL_UNFILLED.test(visible)) warnings.push("the final verdict line is there but says neither Yes nor No");
    return v;
  }
  const found: OutcomeVerdict[] = [];
  for (const re of FINAL_PATTERNS) for (const m of visible.matchAll(re)) found.push(outcomeWord(m[1]));
  if (!found.length) for (const m of outsideText.matchAll(FINAL_WEAK)) found.push(outcomeWord(m[1]));
  const kinds = new Set(found);
  if (kinds.size > 1) {
    warnings.push("conflicting final verdicts (both Yes and No); no final verdict kept");
    return null;
  }
  if (!found.length && FINAL_UNFILLED.test(visible)) warnings.push("the final verdict line is there but says neither Yes nor No");
  return found[0] ?? null;
}

/** Parses the text after thinking removal. Returns null when it holds no verdict of any kind. */
interface VisibleOptions {
  stepCount: number;
  format: VerdictFormat;
  stepBase: 0 | 1;
  finalVerdictRule: FinalVerdictRule;
  criticIndex: CriticIndexRule;
  /** The whole output, thinking included (the official critic rule reads its last \boxed{} there). */
  raw: string;
}

function parseVisible(visible: string, opts: VisibleOptions, warnings: string[], thinking: string | null, truncated: boolean): VerificationParse | null {
  const { stepCount, format } = opts;
  const { sections, outside } = splitSections(visible);
  const steps: ParsedStep[] = Array.from({ length: stepCount }, (_, index) => ({ index, verdict: "not-given" as StepVerdictValue, critique: "" }));
  let via: "sections" | "boxed-sequence" | "final-only" | "index-only" = "sections";

  // Numbering: the prompt's base, unless the output plainly used the other one.
  let base: number = opts.stepBase;
  const numbers = sections.map((s) => s.number);
  if (numbers.length) {
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    if (base === 1 && min === 0 && max <= stepCount - 1) {
      base = 0;
      warnings.push("steps are numbered from 0; read as 0-based");
    } else if (base === 0 && min >= 1 && max === stepCount) {
      base = 1;
      warnings.push("paragraphs are numbered from 1; read as 1-based");
    }
  }

  const perStep = new Map<number, { markers: Marker[]; critiques: string[]; count: number }>();
  const outOfRange = new Set<number>();
  for (const sec of sections) {
    const index = sec.number - base;
    if (index < 0 || index >= stepCount) {
      outOfRange.add(sec.number);
      continue;
    }
    const text = sec.lines.join("\n");
    const { markers, verdictLines } = markersIn(text);
    markers.push(...sec.markers);
    const entry = perStep.get(index) ?? { markers: [], critiques: [], count: 0 };
    entry.markers.push(...markers);
    entry.count++;
    const c = cleanCritique(sec.lines, verdictLines);
    if (c) entry.critiques.push(c);
    perStep.set(index, entry);
  }
  if (outOfRange.size)
    warnings.push(
      `step number${outOfRange.size > 1 ? "s" : ""} ${[...outOfRange].join(", ")} outside the trace's ${stepCount} steps (${base} to ${stepCount - 1 + base}); ignored`,
    );
  for (const [index, e] of perStep) {
    const { verdict, conflict } = decide(e.markers);
    if (conflict) warnings.push(`step ${index + base}: both "correct" and "incorrect" verdicts; no verdict kept`);
    if (e.count > 1) warnings.push(`step ${index + base} appears ${e.count} times; its sections were merged`);
    steps[index] = { index, verdict, critique: e.critiques.join("\n\n") };
  }

  // ThinkPRM without step headings: \boxed{correct}/\boxed{incorrect} in order, one per step.
  if (!sections.length) {
    const seq = [...visible.matchAll(BOXED_VERDICT)].map((m) => polarity(m[1]));
    if (seq.length) {
      via = "boxed-sequence";
      warnings.push("no step headings: \\boxed{} verdicts assigned to steps in order");
      if (seq.length > stepCount) warnings.push(`${seq.length} verdicts for ${stepCount} steps; the extra ones were ignored`);
      seq.slice(0, stepCount).forEach((p, i) => (steps[i] = { index: i, verdict: p, critique: "" }));
    }
  }

  const outsideText = outside.join("\n");
  const finalVerdict = format === "processbench" ? null : finalVerdictOf(visible, outsideText, warnings, opts.finalVerdictRule);

  let boxedIndex: number | null = null;
  let criticAnswer: string | null | undefined;
  if (format === "processbench" && opts.criticIndex === "official") {
    criticAnswer = officialBoxedAnswer(opts.raw);
    if (criticAnswer === null) return { ok: false, reason: "no \\boxed{} answer (official rule: no prediction)", warnings, thinking, truncated, criticAnswer };
    const n = pythonInt(criticAnswer);
    if (n === null)
      return {
        ok: false,
        reason: `the last \\boxed{} holds "${criticAnswer.slice(0, 60)}", not an integer (official rule: no prediction)`,
        warnings,
        thinking,
        truncated,
        criticAnswer,
      };
    if (n < -1 || n >= stepCount)
      return {
        ok: false,
        reason: `\\boxed{${n}} is outside the paragraph indices -1 to ${stepCount - 1} (official rule: a wrong prediction)`,
        warnings,
        thinking,
        truncated,
        criticAnswer,
      };
    boxedIndex = n;
  } else if (format === "processbench") {
    const boxes = boxedContents(visible);
    const indices = boxes.map(indexFromBoxed);
    let at = -1;
    for (let i = indices.length - 1; i >= 0; i--)
      if (indices[i] !== null) {
        at = i;
        break;
      }
    if (boxes.length && at < 0)
      return {
        ok: false,
        reason: `the last \\boxed{} holds "${boxes[boxes.length - 1].trim().slice(0, 60)}", not a paragraph index (-1 to ${stepCount - 1})`,
        warnings,
        thinking,
        truncated,
      };
    if (at >= 0) {
      const n = indices[at]!;
      if (n < -1 || n >= stepCount)
        return { ok: false, reason: `\\boxed{${n}} is outside the paragraph indices -1 to ${stepCount - 1}`, warnings, thinking, truncated };
      boxedIndex = n;
      if (at < boxes.length - 1)
        warnings.push(
          `\\boxed{} answers after the index hold no index (${boxes
            .slice(at + 1)
            .map((b) => `"${b.trim().slice(0, 20)}"`)
            .join(", ")}); the last index was kept`,
        );
      const earlier = new Set(indices.slice(0, at).filter((x) => x !== null && x !== n));
      if (earlier.size) warnings.push(`several \\boxed{} indices (${[...earlier].join(", ")}, ${n}); the last one was kept`);
    }
  }

  const anyStep = steps.some((s) => s.verdict !== "not-given");
  if (!anyStep && finalVerdict === null && boxedIndex === null) return null;
  if (!anyStep && boxedIndex !== null) via = "index-only";
  else if (!anyStep) via = "final-only";

  const missing = steps.filter((s) => s.verdict === "not-given").map((s) => s.index + base);
  if (anyStep && missing.length && format !== "processbench") warnings.push(`no verdict for step ${missing.join(", ")}`);
  if (format !== "processbench") warnings.push(...contradictionWarnings(steps, finalVerdict, base));

  let firstError: number | null;
  if (format === "processbench" && opts.criticIndex === "official") firstError = boxedIndex;
  else if (format === "processbench") {
    if (boxedIndex !== null) {
      firstError = boxedIndex;
      const byStep = steps.find((s) => s.verdict === "incorrect");
      if (byStep && byStep.index !== boxedIndex)
        warnings.push(`\\boxed{${boxedIndex}} differs from the first paragraph judged incorrect (${byStep.index + base})`);
    } else {
      firstError = firstErrorFromVerdicts(steps, null);
      warnings.push("no \\boxed{} index; the first error was read from the paragraph verdicts");
      if (firstError === null)
        return { ok: false, reason: "no \\boxed{} index, and the paragraph verdicts do not determine the first error", warnings, thinking, truncated };
    }
  } else firstError = firstErrorFromVerdicts(steps, finalVerdict);

  const summary = outsideText.trim();
  return {
    ok: true,
    via,
    steps,
    finalVerdict,
    boxedIndex,
    firstError,
    summary,
    warnings,
    thinking,
    truncated,
    ...(criticAnswer !== undefined ? { criticAnswer } : {}),
  };
}

export function parseVerification(text: string, opts: ParseOptions): VerificationParse {
  const format = opts.format ?? "spark";
  const stepBase = opts.stepBase ?? (format === "processbench" ? 0 : 1);
  const truncated = opts.finishReason === "length";
  const warnings: string[] = [];
  if (truncated) warnings.push("the output was cut at the token limit");
  if (opts.finishReason === "cancelled") warnings.push("the generation was cancelled before it finished");
  if (!text.trim()) return { ok: false, reason: "empty output", warnings, thinking: null, truncated };

  const { visible, thinking, unclosed, recovered } = splitThinking(text);
  const cut = truncated ? " (cut at the token limit)" : "";
  if (recovered) warnings.push("the <think> block was never closed; the verification was recovered from its first '## Step 1:' line (SPARK's rule)");
  const visibleOpts: VisibleOptions = {
    stepCount: opts.stepCount,
    format,
    stepBase,
    finalVerdictRule: opts.finalVerdictRule ?? "steplens",
    criticIndex: opts.criticIndex ?? "lenient",
    raw: text,
  };
  const mark = <T extends VerificationParse>(p: T): T => (recovered && p.ok ? { ...p, recovered: true } : p);

  if (opts.json || /^(?:```(?:json)?\s*)?\{/.test(visible)) {
    const j = parseConstrained(visible, { stepCount: opts.stepCount, format, required: Boolean(opts.json), thinking, truncated });
    if (j) {
      if (j.ok) j.warnings.unshift(...warnings);
      else j.warnings.unshift(...warnings);
      return j;
    }
  }

  const parsed =
    visible || (format === "processbench" && visibleOpts.criticIndex === "official") ? parseVisible(visible, visibleOpts, warnings, thinking, truncated) : null;
  if (parsed) return mark(parsed);

  // ThinkPRM writes its verdicts inside its thinking: read them there when nothing is outside.
  if (format === "thinkprm" && thinking) {
    const inner: string[] = [];
    const fromThinking = parseVisible(thinking, visibleOpts, inner, thinking, truncated);
    if (fromThinking) {
      fromThinking.warnings.unshift(...warnings, "verdicts read from inside <think> (ThinkPRM writes them there)");
      return fromThinking;
    }
  }

  if (unclosed && !visible)
    return { ok: false, reason: `the output ended inside <think>${cut}: no verification was written after the thinking`, warnings, thinking, truncated };
  if (!visible) return { ok: false, reason: "nothing outside the <think> block", warnings, thinking, truncated };
  const expected = format === "processbench" ? "no \\boxed{} paragraph index" : "no step verdict and no final verdict";
  return { ok: false, reason: `${expected} found${cut}`, warnings, thinking, truncated };
}
