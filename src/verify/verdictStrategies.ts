/**
 * What a verifier output format makes of the step verdicts read from its text — one strategy per
 * format, behind one interface (src/verify/verdictParser.ts reads the sections and step verdicts,
 * the same for every format, then asks the strategy):
 * - "verdicts" (SPARK, ThinkPRM, the compact PRM target): a final Yes/No verdict, no paragraph index;
 *   the first error follows from the step verdicts and the final verdict; missing step verdicts and
 *   contradictions are warned about;
 * - "processbench-lenient": no final verdict; the last `\boxed{}` holding a paragraph index
 *   (src/verify/criticIndex.ts), else the first paragraph judged incorrect;
 * - "processbench-official": ProcessBench's run_eval.py: the last `\boxed{[^}]*}` of the whole
 *   output read with Python's int(), nothing else (anything else is no prediction).
 * No `vscode` import.
 */
import { type CriticIndexRule, boxedContents, indexFromBoxed, officialBoxedAnswer, pythonInt } from "./criticIndex";
import { type FinalVerdictRule, finalVerdictOf } from "./finalVerdict";
import { contradictionWarnings, firstErrorFromVerdicts, type OutcomeVerdict, type ParsedStep, type VerdictFormat } from "./verification";

/** The text of one output as the strategies see it. */
export interface VerdictText {
  /** The output without its thinking. */
  visible: string;
  /** The lines outside the step sections. */
  outsideText: string;
  /** The whole output, thinking included (the official critic rule reads its last \boxed{} there). */
  raw: string;
  stepCount: number;
  /** The step numbering the output used (0 or 1). */
  base: number;
}

/** A reason the output gives no usable answer (the parse is then not ok). */
export interface StrategyRefusal {
  refused: string;
  /** The official rule's raw answer, when it read one. */
  criticAnswer?: string | null;
}

export interface BoxedIndexReading {
  index: number | null;
  /** The official rule's raw answer (only that rule sets it). */
  criticAnswer?: string | null;
}

export interface VerdictFormatStrategy {
  readonly name: "verdicts" | "processbench-lenient" | "processbench-official";
  /** Whether the format is read even when nothing is left outside the thinking (it reads `raw`). */
  readonly readsRawOutput: boolean;
  /** The final Yes/No verdict, or null (also for formats that give none). */
  finalVerdict(text: VerdictText, warnings: string[]): OutcomeVerdict | null;
  /** The paragraph index the format answers with, or a refusal. */
  boxedIndex(text: VerdictText, warnings: string[]): BoxedIndexReading | StrategyRefusal;
  /** Warnings about the step verdicts. */
  stepWarnings(steps: readonly ParsedStep[], finalVerdict: OutcomeVerdict | null, base: number): string[];
  /** The first error (step index, -1 none, null undetermined), or a refusal. */
  firstError(
    steps: readonly ParsedStep[],
    finalVerdict: OutcomeVerdict | null,
    boxedIndex: number | null,
    base: number,
    warnings: string[],
  ): number | null | StrategyRefusal;
}

export function isRefusal(v: unknown): v is StrategyRefusal {
  return typeof v === "object" && v !== null && "refused" in v;
}

/** SPARK, ThinkPRM, the compact PRM target: step verdicts and a final verdict. */
export function verdictsStrategy(rule: FinalVerdictRule): VerdictFormatStrategy {
  return {
    name: "verdicts",
    readsRawOutput: false,
    finalVerdict: (text, warnings) => finalVerdictOf(text.visible, text.outsideText, warnings, rule),
    boxedIndex: () => ({ index: null }),
    stepWarnings(steps, finalVerdict, base) {
      const anyStep = steps.some((s) => s.verdict !== "not-given");
      const missing = steps.filter((s) => s.verdict === "not-given").map((s) => s.index + base);
      const warnings = anyStep && missing.length ? [`no verdict for step ${missing.join(", ")}`] : [];
      return [...warnings, ...contradictionWarnings(steps as ParsedStep[], finalVerdict, base)];
    },
    firstError: (steps, finalVerdict) => firstErrorFromVerdicts(steps as ParsedStep[], finalVerdict),
  };
}

/** The ProcessBench critic, read leniently: the last \boxed{} holding an index, else the paragraph verdicts. */
export const processBenchLenient: VerdictFormatStrategy = {
  name: "processbench-lenient",
  readsRawOutput: false,
  finalVerdict: () => null,
  boxedIndex(text, warnings) {
    const { stepCount } = text;
    const boxes = boxedContents(text.visible);
    const indices = boxes.map(indexFromBoxed);
    // The last box that holds an index: its position `at` and the index `n`.
    let at = -1;
    let n: number | null = null;
    for (const [i, index] of indices.entries()) if (index !== null) [at, n] = [i, index];
    const lastBox = boxes.at(-1);
    if (lastBox !== undefined && n === null)
      return { refused: `the last \\boxed{} holds "${lastBox.trim().slice(0, 60)}", not a paragraph index (-1 to ${stepCount - 1})` };
    if (n === null) return { index: null };
    if (n < -1 || n >= stepCount) return { refused: `\\boxed{${n}} is outside the paragraph indices -1 to ${stepCount - 1}` };
    if (at < boxes.length - 1)
      warnings.push(
        `\\boxed{} answers after the index hold no index (${boxes
          .slice(at + 1)
          .map((b) => `"${b.trim().slice(0, 20)}"`)
          .join(", ")}); the last index was kept`,
      );
    const earlier = new Set(indices.slice(0, at).filter((x) => x !== null && x !== n));
    if (earlier.size) warnings.push(`several \\boxed{} indices (${[...earlier].join(", ")}, ${n}); the last one was kept`);
    return { index: n };
  },
  stepWarnings: () => [],
  firstError(steps, _finalVerdict, boxedIndex, base, warnings) {
    if (boxedIndex !== null) {
      const byStep = steps.find((s) => s.verdict === "incorrect");
      if (byStep && byStep.index !== boxedIndex)
        warnings.push(`\\boxed{${boxedIndex}} differs from the first paragraph judged incorrect (${byStep.index + base})`);
      return boxedIndex;
    }
    const firstError = firstErrorFromVerdicts(steps as ParsedStep[], null);
    warnings.push("no \\boxed{} index; the first error was read from the paragraph verdicts");
    if (firstError === null) return { refused: "no \\boxed{} index, and the paragraph verdicts do not determine the first error" };
    return firstError;
  },
};

/** The ProcessBench critic, read as ProcessBench's run_eval.py reads it. */
export const processBenchOfficial: VerdictFormatStrategy = {
  name: "processbench-official",
  readsRawOutput: true,
  finalVerdict: () => null,
  boxedIndex(text) {
    const { stepCount } = text;
    const criticAnswer = officialBoxedAnswer(text.raw);
    if (criticAnswer === null) return { refused: "no \\boxed{} answer (official rule: no prediction)", criticAnswer };
    const n = pythonInt(criticAnswer);
    if (n === null) return { refused: `the last \\boxed{} holds "${criticAnswer.slice(0, 60)}", not an integer (official rule: no prediction)`, criticAnswer };
    if (n < -1 || n >= stepCount)
      return { refused: `\\boxed{${n}} is outside the paragraph indices -1 to ${stepCount - 1} (official rule: a wrong prediction)`, criticAnswer };
    return { index: n, criticAnswer };
  },
  stepWarnings: () => [],
  firstError: (_steps, _finalVerdict, boxedIndex) => boxedIndex,
};

/** The strategy for an output format and the reading rules of the run. */
export function verdictStrategy(format: VerdictFormat, rules: { finalVerdictRule: FinalVerdictRule; criticIndex: CriticIndexRule }): VerdictFormatStrategy {
  if (format === "processbench") return rules.criticIndex === "official" ? processBenchOfficial : processBenchLenient;
  return verdictsStrategy(rules.finalVerdictRule);
}
