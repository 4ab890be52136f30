/**
 * Markdown / plain-text traces (`*.trace.md`, `*.trace`, and any Markdown the user opts in).
 * The rules (README-ready version in docs/traces-and-datasets.md):
 *
 * 1. Front matter (`---` YAML `---`) may give `problem`/`question`, `first_error`/`label`
 *    (0-based index of the first wrong step, -1 when all are correct) and `id`; other keys go to
 *    `meta`.
 * 2. Otherwise a leading problem section is the problem, not a step: "Problem:", "Question:",
 *    "**Problem:**", a "# Problem" heading (any level), "**Problem**". It ends at an explicit
 *    solution header ("Solution:", "# Solution", "Response:", "Proof:", "Student Solution:"),
 *    even across blank lines (up to MAX_PROBLEM_PARAGRAPHS more paragraphs); else at the first blank line, step marker, heading, `<think>` or
 *    "Answer:" line, whichever comes first. A solution header right at the start of the solution
 *    is skipped (text after "Solution:" on the same line is solution text); so is an "Answer:"
 *    label there when more text follows it (GSM8K's "Question: …\nAnswer: …").
 * 3. The solution is cut into regions at `<think>` / `</think>` tags (the tags are not step text;
 *    the thinking is solution text). Each region is segmented on its own, by the first rule that
 *    applies:
 *    a. explicit step markers: "Step k:", "Step k.", "Step k -", "**Step k**", "**Step k:**",
 *       "**Step k**:", "**Step k: Title**", "## Step k", "### Step k: Title" (any heading level,
 *       any case, any number, document order). A step runs to the next marker; text before the
 *       first marker is one step of its own.
 *    b. top-level numbered items ("1." / "1)") when they cover the region: at least two, at most
 *       one block (paragraph) before the first, and after the last no more unindented blocks than
 *       the most found between two items, plus one. An item runs to the next item; a preamble
 *       is a step of its own. Items indented deeper than the shallowest ones are nested, not steps.
 *    c. blank-line paragraphs. A paragraph that is only display math joins the paragraph before
 *       it; a paragraph that is only a heading joins the paragraph after it; an indented (4+
 *       columns) block continues the paragraph before it. A region that is a single paragraph of
 *       several lines is cut into lines instead (each line a step, with the same joins).
 *    Markers only count at the top level: indented at most 3 columns, outside fenced code and
 *    display math. Nothing is ever split inside display math or a fenced code block.
 * 4. The final answer is the last balanced `\boxed{…}` of the solution, else its last "Answer:"
 *    line (see src/core/finalAnswer.ts). An answer section at the very end of the solution is not
 *    a step: a last line "Answer: 42" / "Final Answer: …", or an "Answer:"/"**Final Answer**"/
 *    "## Final Answer" line followed by one paragraph or display block. (When the solution has
 *    nothing else, the answer is kept as the only step.)
 * 5. Step text has no marker, no line-ending characters at the ends, "\n" inside (never "\r"), and
 *    no trailing whitespace on its lines. Step range: from the marker (or first character) to the
 *    last non-whitespace character, trailing blank lines excluded; offsets and positions in
 *    UTF-16 code units of `source`, as VS Code counts them.
 *
 * Linear time: line starts are computed once, every line is looked at a bounded number of times.
 */
import type { SourceRange, Step, Trace, TraceLabels } from "../core/trace";
import { LineIndex } from "../core/lineIndex";
import { StepLensError } from "../core/errors";
import { findFinalAnswer, matchAnswerLabel } from "../core/finalAnswer";
import { type LineTable, buildLines } from "./text/lines";
import { type FrontMatter, parseFrontMatter } from "./text/frontMatter";
import { isHeading, matchNumberedItem, matchProblemLabel, matchSolutionHeader, matchStepMarker } from "./text/markers";

export interface SegmentTextOptions {
  /** File the text came from: recorded in `source.file` and named in errors. */
  file?: string;
  /** Compute source ranges (default true). Dataset formats segmenting response strings pass false. */
  withRanges?: boolean;
  /**
   * Receives problems that leave the steps usable (a front-matter label that is not an integer or
   * is out of range: codes "bad-label", "label-out-of-range"); the trace then has `labels: null`.
   * Without it such a problem is thrown, as every other StepLensError is.
   */
  onProblem?: (problem: StepLensError) => void;
}

/** A step before its text is cut out: lines [first, last] of the logical lines. */
interface Span {
  first: number;
  last: number;
  /** Offset where the step's text starts (after its marker). */
  contentStart: number;
  rebold: string | null;
}

const PROBLEM_KEYS = ["problem", "question"];
/** How many more paragraphs a problem may have when a "Solution:" header follows them. */
const MAX_PROBLEM_PARAGRAPHS = 5;
const LABEL_KEYS = ["first_error", "first-error", "firstError", "label"];
const RESERVED_KEYS = new Set([...PROBLEM_KEYS, ...LABEL_KEYS, "id"]);

/** Whitespace-trimmed line ends, "\n" line breaks, no leading blank lines. */
export function cleanText(s: string): string {
  if (s.includes("\r")) s = s.replace(/\r\n?/g, "\n");
  else if (!/[^\S\n]\n/.test(s)) return s.trim(); // fast path: no line has trailing whitespace
  const parts = s.split("\n");
  let first = 0;
  // Every index read below is in [0, parts.length): the `?? ""` never applies.
  while (first < parts.length && (parts[first] ?? "").trim() === "") first++;
  let last = parts.length - 1;
  while (last >= first && (parts[last] ?? "").trim() === "") last--;
  let out = "";
  for (let i = first; i <= last; i++) out += (i > first ? "\n" : "") + (parts[i] ?? "").trimEnd();
  return first === 0 ? out : out.trimStart();
}

class Segmenter {
  constructor(
    private readonly source: string,
    private readonly lines: LineTable,
  ) {}

  /** A line's text without its indentation and trailing whitespace. Matchers run on it only
   * after a cheap first-character check, so most lines are never sliced. */
  text(k: number): string {
    return this.source.slice(this.lines.textStartOf(k), this.lines.textEndOf(k));
  }

  /** UTF-16 code of the first non-whitespace character of line k (NaN when blank at the end). */
  firstChar(k: number): number {
    return this.source.charCodeAt(this.lines.textStartOf(k));
  }

  /** Could start a step or section: has text, outside code/math, indented at most 3 columns. */
  isTop(k: number): boolean {
    const l = this.lines;
    return !l.blank(k) && !l.inside(k) && !l.isThink(k) && l.indentOf(k) <= 3;
  }

  /** A blank line that separates blocks (not one inside code or display math). */
  isSeparator(k: number): boolean {
    return this.lines.blank(k) && !this.lines.inside(k);
  }

  private hasContent(k: number): boolean {
    return !this.lines.blank(k) && !this.lines.isThink(k);
  }

  firstContent(from: number, to: number): number {
    for (let k = from; k < to; k++) if (this.hasContent(k)) return k;
    return -1;
  }

  lastContent(from: number, to: number): number {
    for (let k = to - 1; k >= from; k--) if (this.hasContent(k)) return k;
    return -1;
  }

  /** Span of lines [from, to) whose text starts `skip` characters into line `from` (a marker). */
  span(from: number, to: number, skip = 0, rebold: string | null = null): Span | null {
    const first = skip > 0 ? from : this.firstContent(from, to);
    if (first < 0) return null;
    const last = this.lastContent(first, to);
    if (last < 0) return null;
    return { first, last, contentStart: this.lines.textStartOf(first) + skip, rebold };
  }

  /** Segments the logical lines [a, b) of one region (no think tags inside). */
  region(a: number, b: number): Span[] {
    const markers: { k: number; length: number; rebold: string | null }[] = [];
    const items: { k: number; length: number; indent: number }[] = [];
    for (let k = a; k < b; k++) {
      if (!this.isTop(k)) continue;
      const c = this.firstChar(k);
      if (c === 83 || c === 115 || c === 42 || c === 95 || c === 35) {
        // S s * _ #
        const m = matchStepMarker(this.text(k));
        if (m) markers.push({ k, length: m.length, rebold: m.rebold });
      } else if (c >= 48 && c <= 57 && markers.length === 0) {
        const n = matchNumberedItem(this.text(k));
        if (n) items.push({ k, length: n.length, indent: this.lines.indentOf(k) });
      }
    }
    if (markers.length > 0) return this.bySplits(a, b, markers);
    if (items.length >= 2) {
      let minIndent = Infinity; // (a loop: spreading 100k items into Math.min would overflow the stack)
      for (const i of items) minIndent = Math.min(minIndent, i.indent);
      const top = items.filter((i) => i.indent === minIndent);
      if (top.length >= 2 && this.itemsCover(a, b, new Set(top.map((i) => i.k)))) {
        return this.bySplits(
          a,
          b,
          top.map((i) => ({ k: i.k, length: i.length, rebold: null })),
        );
      }
    }
    return this.paragraphs(a, b);
  }

  private bySplits(a: number, b: number, splits: { k: number; length: number; rebold: string | null }[]): Span[] {
    const spans: Span[] = [];
    const [head] = splits;
    if (head === undefined) throw new Error("internal: bySplits needs at least one split"); // callers pass one or more
    const pre = this.span(a, head.k);
    if (pre) spans.push(pre);
    for (const [i, split] of splits.entries()) {
      const next = splits[i + 1]; // undefined for the last split
      const s = this.span(split.k, next !== undefined ? next.k : b, split.length, split.rebold);
      if (s) spans.push(s);
    }
    return spans;
  }

  /** Rule 3b: do the numbered items cover the region? */
  private itemsCover(a: number, b: number, top: Set<number>): boolean {
    let seen = 0;
    let gap = 0;
    let maxBetween = 0;
    let preamble = 0;
    for (const { k, afterSeparator } of this.contentLines(a, b)) {
      if (top.has(k)) {
        if (seen > 0) maxBetween = Math.max(maxBetween, gap);
        gap = 0;
        seen++;
      } else if (afterSeparator) {
        if (seen === 0) preamble++;
        else if (this.lines.indentOf(k) < 2) gap++;
      }
    }
    return preamble <= 1 && gap <= maxBetween + 1;
  }

  /**
   * The non-blank lines of [a, b), each with whether it follows a separator: the region's start or a
   * blank line outside a fence (a blank line inside one separates nothing).
   */
  private *contentLines(a: number, b: number): Generator<{ k: number; afterSeparator: boolean }> {
    let afterSeparator = true;
    const l = this.lines;
    for (let k = a; k < b; k++) {
      if (l.blank(k)) {
        if (!l.inside(k)) afterSeparator = true;
        continue;
      }
      yield { k, afterSeparator };
      afterSeparator = false;
    }
  }

  /** Rule 3c: blank-line paragraphs (or lines, for a single paragraph). */
  private paragraphs(a: number, b: number): Span[] {
    const blocks: number[] = []; // first line of each block
    const l = this.lines;
    for (const { k, afterSeparator } of this.contentLines(a, b)) {
      if (afterSeparator && (l.inside(k) || l.indentOf(k) < 4 || blocks.length === 0)) blocks.push(k);
    }
    if (blocks.length === 0) return [];
    let starts = this.join(blocks, b);
    const [only] = starts;
    if (starts.length === 1 && only !== undefined) {
      const lineStarts: number[] = [];
      for (let k = only; k < b; k++) if (k === only || this.isTop(k)) lineStarts.push(k);
      if (lineStarts.length > 1) starts = this.join(lineStarts, b);
    }
    const spans: Span[] = [];
    for (const [i, start] of starts.entries()) {
      const next = starts[i + 1]; // undefined for the last start
      const s = this.span(start, next !== undefined ? next : b);
      if (s) spans.push(s);
    }
    return spans;
  }

  /** Joins display-math-only units to the one before, heading-only units to the one after. */
  private join(starts: number[], b: number): number[] {
    const out: number[] = [];
    for (const [i, from] of starts.entries()) {
      const next = starts[i + 1]; // undefined for the last start
      const to = next !== undefined ? next : b;
      if (out.length > 0 && this.isMathOnly(from, to)) continue; // part of the previous unit
      out.push(from);
    }
    // Heading-only units: drop their start so the next unit begins at the heading.
    const result: number[] = [];
    for (const from of out) {
      const previous = result.at(-1); // undefined while result is empty
      if (previous !== undefined && this.isHeadingOnly(previous, from)) continue;
      result.push(from);
    }
    return result;
  }

  private isHeadingOnly(from: number, to: number): boolean {
    return this.firstChar(from) === 35 /* # */ && this.isTop(from) && isHeading(this.text(from)) && this.lastContent(from, to) === from;
  }

  private isMathOnly(from: number, to: number): boolean {
    const c = this.firstChar(from);
    if (c !== 36 /* $ */ && c !== 92 /* \ */) return false;
    const t = this.text(from);
    if (!(t.startsWith("$$") || t.startsWith("\\[") || t.startsWith("\\begin"))) return false;
    const last = this.lastContent(from, to);
    for (let k = from + 1; k <= last; k++) if (!this.lines.inside(k)) return false;
    const e = this.text(last);
    if (t.startsWith("$$")) return e.endsWith("$$") && (last > from || e.length >= 4);
    if (t.startsWith("\\[")) return e.endsWith("\\]");
    return /\\end\{[^{}]+\}$/.test(e);
  }
}

/** The trace's labels from its front matter: null when it has none, an error when the label is unusable. */
function labelsFrom(fm: FrontMatter | null, stepCount: number, file: string | undefined): TraceLabels | StepLensError | null {
  if (!fm) return null;
  const field = LABEL_KEYS.map((k) => fm.fields.get(k)).find((f) => f !== undefined);
  if (!field) return null;
  const line = field.line + 1;
  if (!/^-?\d+$/.test(field.value.trim())) {
    return new StepLensError(`front matter "${field.key}: ${field.value}" is not a step index.`, {
      file,
      line,
      code: "bad-label",
      hint: `Write the 0-based index of the first wrong step (0 to ${Math.max(0, stepCount - 1)}), or -1 when every step is correct.`,
    });
  }
  const firstError = Number(field.value.trim());
  if (firstError < -1 || firstError >= stepCount) {
    return new StepLensError(`front matter "${field.key}: ${firstError}" is out of range: the trace has ${stepCount} step${stepCount === 1 ? "" : "s"}.`, {
      file,
      line,
      code: "label-out-of-range",
      hint:
        stepCount > 0
          ? `Use -1 (all correct) or 0 to ${stepCount - 1}, or check the step markers (run \`steplens segment\` on the file to see the steps).`
          : "The trace has no steps: add the solution, or remove the label.",
    });
  }
  return { kind: "first-error", firstError };
}

/** Could a line starting with this character be a header, step marker, heading or answer label? */
function mayStartSection(c: number): boolean {
  // # * _ and the first letters of the label words (answer, final, model, problem, proof,
  // proposed, question, reasoning, reference, response, solution, step, student), any case.
  return c === 35 || c === 42 || c === 95 || "afmpqrsAFMPQRS".includes(String.fromCharCode(c));
}

/** Segments a Markdown / plain-text trace (rules at the top of this file). */
export function segmentText(source: string, options: SegmentTextOptions = {}): Trace {
  const withRanges = options.withRanges ?? true;
  const index = new LineIndex(source);
  const rangeOf = (s: number, e: number): SourceRange | null => (withRanges ? index.range(s, e) : null);
  const fm = parseFrontMatter(source, index);
  const lines = buildLines(source, index, fm ? fm.bodyLine : 0);
  const seg = new Segmenter(source, lines);

  // 1-2. The problem.
  let problem = "";
  let problemRange: SourceRange | null = null;
  let solStart = 0;
  const fmProblem = fm ? PROBLEM_KEYS.map((k) => fm.fields.get(k)).find((f) => f !== undefined) : undefined;
  if (fmProblem) {
    problem = cleanText(fmProblem.value);
    problemRange = rangeOf(fmProblem.start, fmProblem.end);
  } else {
    const p0 = seg.firstContent(0, lines.length);
    const label = p0 >= 0 && seg.isTop(p0) ? matchProblemLabel(seg.text(p0)) : null;
    if (label) {
      const sameLine = label.contentOffset < seg.text(p0).length;
      let end = lines.length;
      let firstBlank = -1;
      let hasContent = sameLine;
      let header = false;
      let paragraphs = 0; // paragraphs after the first blank line, while looking for a header
      let afterSeparator = false;
      for (let k = p0 + 1; k < lines.length; k++) {
        if (lines.isThink(k)) {
          end = k;
          break;
        }
        if (lines.blank(k)) {
          if (!lines.inside(k) && hasContent) {
            if (firstBlank < 0) firstBlank = k;
            afterSeparator = true;
          }
          continue;
        }
        const newParagraph = afterSeparator;
        if (newParagraph) paragraphs++;
        afterSeparator = false;
        hasContent = true;
        if (seg.isTop(k) && mayStartSection(seg.firstChar(k))) {
          const t = seg.text(k);
          if (matchSolutionHeader(t)) {
            end = k;
            header = true;
            break;
          }
          if (matchStepMarker(t) || isHeading(t) || matchAnswerLabel(t)) {
            end = k;
            break;
          }
        }
        if (newParagraph && paragraphs > MAX_PROBLEM_PARAGRAPHS) break; // no header near: the problem is its first paragraph
      }
      if (!header && firstBlank >= 0 && firstBlank < end) end = firstBlank;
      const last = seg.lastContent(p0, end);
      const contentStart = lines.textStartOf(p0) + label.contentOffset;
      const textEnd = lines.textEndOf(last); // last >= p0: line p0 has content
      problem = contentStart < textEnd ? cleanText(source.slice(contentStart, textEnd)) : "";
      problemRange = rangeOf(lines.textStartOf(p0), textEnd);
      solStart = end;
    }
  }

  // A solution header at the start of the solution is not step text; nor is an "Answer:" label
  // that opens a longer answer (GSM8K's "Question: …\nAnswer: …").
  const h = seg.firstContent(solStart, lines.length);
  let answerSearchFrom = solStart < lines.length ? lines.start[solStart] : source.length;
  if (h >= 0 && seg.isTop(h)) {
    let header: { contentOffset: number } | null = matchSolutionHeader(seg.text(h));
    if (!header && seg.lastContent(h + 1, lines.length) >= 0) {
      const answerLabel = matchAnswerLabel(seg.text(h));
      if (answerLabel) header = { contentOffset: answerLabel.valueStart };
    }
    if (header) {
      lines.skipText(h, header.contentOffset);
      answerSearchFrom = lines.textStart[h];
    }
  }

  // 3. Regions between think tags.
  const regions: [number, number][] = [];
  let regionStart = solStart;
  for (let k = solStart; k < lines.length; k++) {
    if (lines.isThink(k)) {
      regions.push([regionStart, k]);
      regionStart = k + 1;
    }
  }
  regions.push([regionStart, lines.length]);

  // 4. An answer section at the very end is not a step.
  let lastRegion = regions.length - 1;
  let region = regions[lastRegion]; // undefined once lastRegion is -1
  while (region !== undefined && seg.lastContent(region[0], region[1]) < 0) region = regions[--lastRegion];
  if (region !== undefined) {
    const [a, b] = region;
    const tail = answerTail(seg, a, b);
    if (tail >= 0) {
      const before = regions.slice(0, lastRegion).some(([ra, rb]) => seg.lastContent(ra, rb) >= 0) || seg.lastContent(a, tail) >= 0;
      if (before) regions[lastRegion] = [a, tail];
    }
  }

  const spans: Span[] = [];
  for (const [a, b] of regions) for (const s of seg.region(a, b)) spans.push(s);

  // Each span knows its physical lines, so positions need no search.
  const at = (line: number, offset: number) => ({ line, character: offset - index.lineStart(line) });
  const steps: Step[] = spans.map((s, i) => {
    const startOffset = lines.textStartOf(s.first);
    const endOffset = lines.textEndOf(s.last);
    let text = s.contentStart < endOffset ? cleanText(source.slice(s.contentStart, endOffset)) : "";
    if (s.rebold) text = s.rebold + text;
    const range: SourceRange | null = withRanges
      ? { start: at(lines.lineOf(s.first), startOffset), end: at(lines.lineOf(s.last), endOffset), startOffset, endOffset }
      : null;
    return { index: i, text, range };
  });

  const answer = findFinalAnswer(source, { start: answerSearchFrom, lineIndex: withRanges ? index : undefined });

  const meta: Record<string, unknown> = {};
  if (fm) for (const [k, f] of fm.fields) if (!RESERVED_KEYS.has(k)) meta[k] = f.value;
  const id = fm?.fields.get("id")?.value;
  let labels = labelsFrom(fm, steps.length, options.file);
  if (labels instanceof StepLensError) {
    if (!options.onProblem) throw labels;
    options.onProblem(labels);
    labels = null;
  }
  const trace: Trace = {
    format: "text",
    problem,
    problemRange,
    steps,
    finalAnswer: answer ? answer.text : null,
    finalAnswerRange: answer ? answer.range : null,
    labels,
    source: {},
  };
  if (options.file !== undefined) trace.source.file = options.file;
  if (id) trace.source.id = id;
  if (Object.keys(meta).length > 0) trace.meta = meta;
  return trace;
}

/** Rule 4: the logical line where a trailing answer section starts in [a, b), or -1. */
function answerTail(seg: Segmenter, a: number, b: number): number {
  const last = seg.lastContent(a, b);
  if (last < 0) return -1;
  const label = (k: number) => (seg.isTop(k) ? matchAnswerLabel(seg.text(k)) : null);
  const lastLabel = label(last);
  if (lastLabel && lastLabel.value !== "") return last;
  // Start of the last block.
  let j = last;
  while (j > a && !seg.isSeparator(j - 1)) j--;
  const jl = label(j);
  if (jl && jl.value === "" && j < last) return j;
  // "Final Answer:" alone, then one block.
  let k = j - 1;
  while (k >= a && seg.isSeparator(k)) k--;
  if (k >= a && (k === a || seg.isSeparator(k - 1))) {
    const kl = label(k);
    if (kl && kl.value === "") return k;
  }
  return -1;
}
