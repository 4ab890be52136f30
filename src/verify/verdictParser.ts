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
import { captureGroup } from "./captureGroup";
import { parseConstrained } from "./constrainedSchema";
import type { CriticIndexRule } from "./criticIndex";
import { type FinalVerdictRule, isFinalLine } from "./finalVerdict";
import { splitThinking } from "./thinking";
import { isRefusal, type VerdictText, verdictStrategy } from "./verdictStrategies";
import type { ParsedStep, StepVerdictValue, VerdictFormat, VerificationParse } from "./verification";

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

// The final-verdict and critic-index readers live in their own files; still exported from here.
export { FINAL_VERDICT_RULES, SPARK_FINAL_PATTERNS, sparkFinalVerdict, type FinalVerdictRule } from "./finalVerdict";
export { CRITIC_INDEX_RULES, boxedContents, indexFromBoxed, officialBoxedAnswer, pythonInt, type CriticIndexRule } from "./criticIndex";

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
  if (m) return polarity(captureGroup(m, 1));
  const rest = s.replace(/[✓✔✅✗✘❌]/gu, "").replace(/^[\s:–—-]+|[\s:–—-]+$/g, "");
  const hasC = CHECK_CORRECT.test(s);
  const hasI = CHECK_INCORRECT.test(s);
  if (hasC === hasI) return null;
  const p: Polarity = hasC ? "correct" : "incorrect";
  if (!rest) return p;
  const w = VERDICT_PHRASE.exec(stripDecoration(rest));
  return w && polarity(captureGroup(w, 1)) === p ? p : null;
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
  for (const m of text.matchAll(BOXED_VERDICT)) markers.push({ tier: 1, polarity: polarity(captureGroup(m, 1)) });
  for (const m of text.matchAll(LABELLED)) markers.push({ tier: 1, polarity: polarity(captureGroup(m, 1)) });
  for (const m of text.matchAll(BOLD)) {
    const inner = (m[1] ?? captureGroup(m, 2)) // group 2 is the alternative to group 1
      .trim()
      .replace(/[.!:;]+$/, "")
      .trim();
    const v = VERDICT_PHRASE.exec(inner);
    if (v) markers.push({ tier: 1, polarity: polarity(captureGroup(v, 1)) });
  }
  for (const m of text.matchAll(SENTENCE)) markers.push({ tier: 2, polarity: polarity(captureGroup(m, 1)) });
  for (const ch of text.matchAll(/[✓✔✅✗✘❌]/gu)) markers.push({ tier: 3, polarity: CHECK_CORRECT.test(ch[0]) ? "correct" : "incorrect" });
  return { markers, verdictLines };
}

/** The verdict of the strongest evidence level present; both polarities there → no verdict. */
function decide(markers: Marker[]): { verdict: StepVerdictValue; conflict: boolean } {
  const top = Math.min(...markers.map((m) => m.tier));
  const [verdict, ...others] = new Set(markers.filter((m) => m.tier === top).map((m) => m.polarity));
  if (verdict === undefined) return { verdict: "not-given", conflict: false }; // no markers
  if (others.length) return { verdict: "not-given", conflict: true };
  return { verdict, conflict: false };
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
      const number = Number(captureGroup(h, 2));
      const rest = h[3] ?? "";
      const hm = /^\s*(?:is|was)\s+(not\s+correct|incorrect|correct|wrong|right)\b/i.exec(rest);
      const marker: Marker | null = hm ? { tier: 1, polarity: polarity(captureGroup(hm, 1)) } : null;
      // "Step k is/was …" inside the section of step j ≥ k is prose, not a new section: a verdict
      // when k = j ("… Step 3 is incorrect."), a back-reference when k < j ("Step 1 was correct, but …").
      if (hm && marker && current && number <= current.number) {
        if (number === current.number) current.markers.push(marker);
        const onlyVerdict = number === current.number && !rest.slice(hm[0].length).replace(/[\s.!*_]/g, "");
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
      const endsByHeading = heading !== null && (current.level === 0 || captureGroup(heading, 1).length <= current.level);
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
    const seq = [...visible.matchAll(BOXED_VERDICT)].map((m) => polarity(captureGroup(m, 1)));
    if (seq.length) {
      via = "boxed-sequence";
      warnings.push("no step headings: \\boxed{} verdicts assigned to steps in order");
      if (seq.length > stepCount) warnings.push(`${seq.length} verdicts for ${stepCount} steps; the extra ones were ignored`);
      seq.slice(0, stepCount).forEach((p, i) => (steps[i] = { index: i, verdict: p, critique: "" }));
    }
  }

  // What the output format makes of them: one strategy per format (src/verify/verdictStrategies.ts).
  const strategy = verdictStrategy(format, opts);
  const outsideText = outside.join("\n");
  const text: VerdictText = { visible, outsideText, raw: opts.raw, stepCount, base };
  const finalVerdict = strategy.finalVerdict(text, warnings);

  const reading = strategy.boxedIndex(text, warnings);
  if (isRefusal(reading))
    return { ok: false, reason: reading.refused, warnings, thinking, truncated, ...("criticAnswer" in reading ? { criticAnswer: reading.criticAnswer } : {}) };
  const boxedIndex = reading.index;
  const criticAnswer = reading.criticAnswer;

  const anyStep = steps.some((s) => s.verdict !== "not-given");
  if (!anyStep && finalVerdict === null && boxedIndex === null) return null;
  if (!anyStep && boxedIndex !== null) via = "index-only";
  else if (!anyStep) via = "final-only";

  warnings.push(...strategy.stepWarnings(steps, finalVerdict, base));
  const firstError = strategy.firstError(steps, finalVerdict, boxedIndex, base, warnings);
  if (isRefusal(firstError)) return { ok: false, reason: firstError.refused, warnings, thinking, truncated };

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

  const parsed = visible || verdictStrategy(format, visibleOpts).readsRawOutput ? parseVisible(visible, visibleOpts, warnings, thinking, truncated) : null;
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
