/**
 * The per-step view model behind hovers, diagnostics, decorations and the inspector: one
 * StepAnnotation per step, built from a Trace plus whatever results exist (PRM scores, the verifier
 * ensemble's aggregate, human labels, PAV progress). No `vscode` import; everything here is plain
 * data and plain text (never Markdown: hoverContent.ts escapes what it renders).
 *
 * Per-step verdict precedence (documented in docs/editor.md):
 *   1. a human label ("correct", "incorrect", "first-error"); a "first-error" label on step k also
 *      makes every earlier step without a label of its own count as correct;
 *   2. else the verifier ensemble's aggregate verdict for the step, when it gave one;
 *   3. else the PRM: incorrect when the score is strictly below the threshold (a score equal to the
 *      threshold counts as correct, as in `steplens score`);
 *   4. else unknown.
 * The trace's first error is the earliest step whose verdict is "incorrect"; `firstError.source` says
 * which of the three decided it. Dataset ground truth (Trace.labels) is what the model is compared
 * against: it is shown (`groundTruth`) but never decides the first error.
 */
import type { SourceRange, Trace, TraceLabels } from "../core/trace";
import type { ScoreResult } from "../engines/engine";
import type { HumanLabel } from "../labels/labelFile";
import { DEMO_NOTICE } from "../engines/local/demoModelName";
import { HEAT_BUCKETS, heatBucket } from "./heatScale";

export type { HumanLabel };
export type StepVerdict = "correct" | "incorrect" | "unknown";
export type VerdictSource = "label" | "verifiers" | "prm";

/** The label every rendered score carries when the model is a generated demo model (random weights); defined with the demo model. */
export { DEMO_NOTICE };

/** One verifier's critique of a step (`verifier` is 0-based; users see it 1-based). */
export interface VerifierCritique {
  verifier: number;
  text: string;
}

/**
 * What the annotations need from the verifier ensemble's aggregate for one step (a structural type;
 * src/verify's aggregate is adapted to it).
 */
export interface VerificationStepView {
  index: number;
  /** Verifications that called the step correct / incorrect / gave no verdict for it. */
  correct: number;
  incorrect: number;
  missing: number;
  /** The aggregate verdict ("unknown" when no rule decided it, e.g. no verdicts). */
  verdict: StepVerdict;
  /** The critique chosen to explain the aggregate, when there is one. */
  critique?: VerifierCritique | null;
  /** Every verification's verdict and critique of this step (for related information). */
  critiques?: (VerifierCritique & { verdict: "correct" | "incorrect" | null })[];
  /** One entry per verification, in sample order, including malformed ones (the inspector's agreement matrix). */
  cells?: { verifier: number; verdict: "correct" | "incorrect" | "not-given" | "malformed"; critique: string }[];
}

export interface VerificationView {
  /** K, the number of verifications. */
  samples: number;
  steps: VerificationStepView[];
  /** The ensemble's first error (-1: none); when absent it is the earliest aggregate "incorrect". */
  firstError?: number;
  model?: string;
  seconds?: number;
}

/** PAV progress of one step (computed by a later pipeline; shown when present). */
export interface ProgressStepView {
  index: number;
  /** Q before the step and after it (probability of finally being correct). */
  qBefore: number;
  qAfter: number;
  /** qAfter − qBefore. */
  advantage: number;
  /** Confidence interval of the advantage, when known. */
  interval?: [number, number];
  /** Confidence interval of qAfter, when known. */
  qInterval?: [number, number];
  rollouts?: number;
  /** The base policy's Q after the step (Q^π; equals qAfter when π = μ), with its interval. */
  qBase?: number;
  qBaseInterval?: [number, number];
  /** The effective reward Q^π + α·A^μ. */
  effective?: number;
}

export interface ProgressView {
  steps: ProgressStepView[];
  /** The confidence level of `interval` (e.g. 0.9). */
  confidence?: number;
  prover?: string;
  /** The base policy π and the prover μ are the same model (Q^π = Q^μ). */
  samePolicy?: boolean;
  seconds?: number;
  /** The prover is a generated random-weight model: the hover says so. */
  demo?: boolean;
}

export interface AnnotationInput {
  trace: Trace;
  /** PRM threshold (StepLensConfig.prm.threshold). */
  threshold: number;
  score?: ScoreResult | null;
  verification?: VerificationView | null;
  /** Human labels by 0-based step index (LabelStore.labelsFor). */
  labels?: ReadonlyMap<number, HumanLabel> | null;
  progress?: ProgressView | null;
  /** The scores come from a generated demo model (random weights): every rendered score says so. */
  demo?: boolean;
  /** Heat buckets (default HEAT_BUCKETS). */
  buckets?: number;
  /** Longest critique excerpt in characters (default 240). */
  excerptLength?: number;
}

export interface StepAnnotation {
  index: number;
  /** "Step 3" (users count from 1). */
  title: string;
  range: SourceRange | null;
  /** PRM P(correct), null when not scored. */
  score: number | null;
  margin: number | null;
  /** The score as displayed: two decimals, more when two decimals would round across the threshold. */
  scoreText: string | null;
  /** score < threshold. */
  belowThreshold: boolean;
  verifiers: VerificationStepView | null;
  /** "6 of 8 verifiers: incorrect", null without verification. */
  verdictCounts: string | null;
  critique: VerifierCritique | null;
  /** The chosen critique, white space collapsed and cut at a word boundary; plain (unescaped) text. */
  critiqueExcerpt: string | null;
  label: HumanLabel | null;
  /** The dataset's own label for this step (true correct, false wrong, null unknown/none). */
  groundTruth: boolean | null;
  progress: ProgressStepView | null;
  /** The effective verdict and who decided it (see the precedence above). */
  verdict: StepVerdict;
  verdictSource: VerdictSource | null;
  isFirstError: boolean;
  /** End-of-line text: "0.92 ✓", "0.08 ✗ first error", "" when there is nothing to show. */
  inlineText: string;
  /** Heat bucket 0..buckets-1 (0 worst), null when neither a score nor verdicts exist. */
  heat: number | null;
}

export interface TraceAnnotations {
  steps: StepAnnotation[];
  threshold: number;
  model: string | null;
  adapter: string | null;
  /** The first error by the precedence rules, null when no step is incorrect. */
  firstError: { index: number; source: VerdictSource } | null;
  /** What each source alone says (-1: no error; null: the source is absent). */
  firstErrorBy: { label: number | null; verifiers: number | null; prm: number | null };
  /** The dataset's first error (-1: all correct), null when the trace has no labels. */
  groundTruthFirstError: number | null;
  /** K, the number of verifications, null without verification. */
  verifierSamples: number | null;
  demo: boolean;
  /** Confidence level of the progress intervals (e.g. 0.9), null when unknown or no progress. */
  progressConfidence: number | null;
  /** The progress comes from a generated random-weight prover. */
  progressDemo: boolean;
  /** Whether the progress's base policy was the prover's model (null: unknown or no progress). */
  progressSamePolicy: boolean | null;
  timing: {
    scoreSeconds: number | null;
    evaluatedTokens: number | null;
    traceTokens: number | null;
    verifySeconds: number | null;
    progressSeconds: number | null;
  };
}

/**
 * The score as text: two decimals, unless two decimals would show a below-threshold score as equal to
 * (or above) the threshold, or the reverse (0.4999 with threshold 0.5 is "0.4999", not "0.50").
 */
export function formatScore(score: number, threshold: number): string {
  const below = score < threshold;
  for (let digits = 2; digits <= 6; digits++) {
    const text = score.toFixed(digits);
    if (Number(text) < threshold === below) return text;
  }
  return String(score);
}

/** The threshold as shown: two decimals when that is exact ("0.50"), else as given ("0.475"). */
export function formatThreshold(threshold: number): string {
  const two = threshold.toFixed(2);
  return Number(two) === threshold ? two : String(threshold);
}

/** "Step 3" for 0-based index 2. */
export function stepTitle(index: number): string {
  return `Step ${index + 1}`;
}

/** White space collapsed, cut at a word boundary to at most `max` characters ("…" added when cut). */
export function excerpt(text: string, max = 240): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space >= max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** "6 of 8 verifiers: incorrect" (plus who gave no verdict, or "no majority" on a tie). */
export function verdictCountsText(step: VerificationStepView, samples: number): string {
  const noVerdict = step.missing > 0 ? ` (${step.missing} gave no verdict)` : "";
  const noun = samples === 1 ? "verifier" : "verifiers";
  if (step.verdict === "incorrect") return `${step.incorrect} of ${samples} ${noun}: incorrect${noVerdict}`;
  if (step.verdict === "correct") return `${step.correct} of ${samples} ${noun}: correct${noVerdict}`;
  if (step.correct + step.incorrect === 0) return `no verdict from ${samples} ${noun}`;
  return `${step.incorrect} of ${samples} ${noun}: incorrect, ${step.correct}: correct — no majority${noVerdict}`;
}

/** Per-step ground truth from the dataset's labels. */
export function groundTruthOf(labels: TraceLabels | null, steps: number): (boolean | null)[] {
  const out: (boolean | null)[] = new Array(steps).fill(null);
  if (!labels) return out;
  if (labels.kind === "per-step") {
    for (let i = 0; i < steps; i++) out[i] = labels.steps[i] ?? null;
    return out;
  }
  for (let i = 0; i < steps; i++) out[i] = labels.firstError < 0 || i < labels.firstError ? true : i === labels.firstError ? false : null;
  return out;
}

const LABEL_TEXT: Record<HumanLabel, string> = { correct: "marked correct", incorrect: "marked incorrect", "first-error": "marked first error" };

/** Human-readable form of a label ("marked first error"). */
export function labelText(label: HumanLabel): string {
  return LABEL_TEXT[label];
}

function inlineTextOf(a: Omit<StepAnnotation, "inlineText">, samples: number, demo: boolean): string {
  const parts: string[] = [];
  if (a.scoreText !== null) parts.push(`${a.scoreText} ${a.belowThreshold ? "✗" : "✓"}`);
  else if (a.verifiers && a.verifiers.verdict !== "unknown") {
    const n = a.verifiers.verdict === "incorrect" ? a.verifiers.incorrect : a.verifiers.correct;
    parts.push(`${a.verifiers.verdict === "incorrect" ? "✗" : "✓"} ${n}/${samples} verifiers`);
  }
  if (a.isFirstError) parts.push(a.label === "first-error" ? "first error (marked)" : "first error");
  let text = parts.join(" ");
  if (a.label && !(a.label === "first-error" && a.isFirstError)) text = text ? `${text} · ${LABEL_TEXT[a.label]}` : LABEL_TEXT[a.label];
  if (demo && a.scoreText !== null) text += ` · ${DEMO_NOTICE}`;
  return text;
}

export function buildAnnotations(input: AnnotationInput): TraceAnnotations {
  const { trace, threshold } = input;
  const buckets = input.buckets ?? HEAT_BUCKETS;
  const demo = input.demo === true;
  const n = trace.steps.length;
  const scores = new Map(input.score?.steps.map((s) => [s.index, s]) ?? []);
  const verification = input.verification ?? null;
  const verifierSteps = new Map(verification?.steps.map((s) => [s.index, s]) ?? []);
  const labels = input.labels ?? null;
  const progress = new Map(input.progress?.steps.map((s) => [s.index, s]) ?? []);
  const truth = groundTruthOf(trace.labels, n);

  // The earliest "first-error" label: steps before it without a label of their own count as correct.
  let labelledFirstError = -1;
  let labelFirstError: number | null = null;
  if (labels) {
    for (const [index, label] of labels) {
      if (index < 0 || index >= n) continue;
      if (label === "first-error" && (labelledFirstError < 0 || index < labelledFirstError)) labelledFirstError = index;
      if (label !== "correct" && (labelFirstError === null || index < labelFirstError)) labelFirstError = index;
    }
  }

  const steps: StepAnnotation[] = [];
  for (const [index, step] of trace.steps.entries()) {
    const s = scores.get(index);
    const score = s && Number.isFinite(s.score) ? s.score : null;
    const belowThreshold = score !== null && score < threshold;
    const v = verifierSteps.get(index) ?? null;
    const label = labels?.get(index) ?? null;

    let verdict: StepVerdict = "unknown";
    let verdictSource: VerdictSource | null = null;
    if (label) {
      verdict = label === "correct" ? "correct" : "incorrect";
      verdictSource = "label";
    } else if (labelledFirstError >= 0 && index < labelledFirstError) {
      verdict = "correct";
      verdictSource = "label";
    } else if (v && v.verdict !== "unknown") {
      verdict = v.verdict;
      verdictSource = "verifiers";
    } else if (score !== null) {
      verdict = belowThreshold ? "incorrect" : "correct";
      verdictSource = "prm";
    }

    const critique = v?.critique && v.critique.text.trim() !== "" ? v.critique : null;
    let heatValue: number | null = score;
    if (heatValue === null && v && v.correct + v.incorrect > 0) heatValue = v.correct / (v.correct + v.incorrect);
    steps.push({
      index,
      title: stepTitle(index),
      range: step.range,
      score,
      margin: s && Number.isFinite(s.margin) ? s.margin : null,
      scoreText: score === null ? null : formatScore(score, threshold),
      belowThreshold,
      verifiers: v,
      verdictCounts: v && verification ? verdictCountsText(v, verification.samples) : null,
      critique,
      critiqueExcerpt: critique ? excerpt(critique.text, input.excerptLength ?? 240) : null,
      label,
      groundTruth: truth[index] ?? null, // truth has one entry per step; never undefined
      progress: progress.get(index) ?? null,
      verdict,
      verdictSource,
      isFirstError: false,
      inlineText: "",
      heat: heatBucket(heatValue, buckets),
    });
  }

  const first = steps.find((a) => a.verdict === "incorrect") ?? null;
  if (first) first.isFirstError = true;
  for (const a of steps) a.inlineText = inlineTextOf(a, verification?.samples ?? 0, demo);

  let prmFirstError: number | null = null;
  if (input.score) prmFirstError = steps.find((a) => a.belowThreshold)?.index ?? -1;
  let verifiersFirstError: number | null = null;
  if (verification) verifiersFirstError = verification.firstError ?? steps.find((a) => a.verifiers?.verdict === "incorrect")?.index ?? -1;

  return {
    steps,
    threshold,
    model: input.score?.model ?? null,
    adapter: input.score?.adapter ?? null,
    firstError: first ? { index: first.index, source: first.verdictSource! } : null,
    firstErrorBy: { label: labelFirstError, verifiers: verifiersFirstError, prm: prmFirstError },
    groundTruthFirstError: trace.labels ? trace.labels.firstError : null,
    verifierSamples: verification?.samples ?? null,
    demo,
    progressConfidence: input.progress?.confidence ?? null,
    progressDemo: input.progress?.demo === true,
    progressSamePolicy: input.progress?.samePolicy ?? null,
    timing: {
      scoreSeconds: input.score?.seconds ?? null,
      evaluatedTokens: input.score?.evaluatedTokens ?? null,
      traceTokens: input.score?.traceTokens ?? null,
      verifySeconds: verification?.seconds ?? null,
      progressSeconds: input.progress?.seconds ?? null,
    },
  };
}

/** The annotation of the step whose range contains `offset` (UTF-16 offset; both ends included), if any. */
export function stepAtOffset(annotations: TraceAnnotations, offset: number): StepAnnotation | undefined {
  return annotations.steps.find((a) => a.range !== null && a.range.startOffset <= offset && offset <= a.range.endOffset);
}

/** The step containing a 0-based line/character position (both ends included), if any. */
export function stepAtPosition(annotations: TraceAnnotations, line: number, character: number): StepAnnotation | undefined {
  const before = (l1: number, c1: number, l2: number, c2: number) => l1 < l2 || (l1 === l2 && c1 <= c2);
  return annotations.steps.find(
    (a) =>
      a.range !== null &&
      before(a.range.start.line, a.range.start.character, line, character) &&
      before(line, character, a.range.end.line, a.range.end.character),
  );
}
