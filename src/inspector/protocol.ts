/**
 * Messages between the extension host and the two StepLens webviews (the trace inspector and the
 * dataset dashboard). Plain data only: trace text is untrusted model output and the webviews render
 * it with textContent or through KaTeX in its safe mode (trust: false), never as HTML.
 *
 * Both directions are validated: the host checks every message from a webview with
 * `parseInspectorMessage` / `parseDashboardMessage`, and the webviews check what the host sends with
 * `isInspectorHostMessage` / `isDashboardHostMessage` (a stray or malformed message is dropped).
 * The messages a webview sends are declared once as valibot schemas (type and validator together;
 * unknown fields are dropped). No `vscode` import: the webview bundles this file too.
 */
import * as v from "valibot";

// ------------------------------------------------------------------ the trace inspector

export type StepVerdictView = "correct" | "incorrect" | "unknown";
/** A human label (as src/labels/labelFile.ts HumanLabel; repeated here so the webview needs no Node types). */
export type HumanLabel = "correct" | "incorrect" | "first-error";
/** One verifier's verdict on one step: a sample that could not be parsed is "malformed" on every step. */
export type CellVerdict = "correct" | "incorrect" | "not-given" | "malformed";

export interface InspectorStep {
  index: number;
  /** The whole step, plain text (rendered as text, math through KaTeX's safe mode). */
  text: string;
  /** First characters of the step, plain text. */
  preview: string;
  /** PRM P(correct), null when not scored. */
  score: number | null;
  /** The score as displayed (more digits when two would round across the threshold). */
  scoreText: string | null;
  /** Verifier counts for this step, when a verification ran. */
  verdicts: { incorrect: number; correct: number; missing: number } | null;
  /** Human label, when set. */
  label: HumanLabel | null;
  /** The dataset's own label for the step (true correct, false wrong), null when unknown. */
  groundTruth: boolean | null;
  /** The effective verdict (label > verifiers > PRM) and the first error by that rule. */
  verdict: StepVerdictView;
  isFirstError: boolean;
}

export interface MatrixCell {
  verdict: CellVerdict;
  /** That verifier's critique of that step ("" when it wrote none). */
  critique: string;
}

export interface AgreementMatrix {
  /** K. */
  samples: number;
  tau: number;
  /** One row per verification, 0-based `verifier`; `cells[i]` is step i. */
  rows: { verifier: number; malformed: boolean; cells: MatrixCell[] }[];
  /** The aggregate verdict per step. */
  aggregate: StepVerdictView[];
  /** The verification chosen as the explanation (its critiques explain the aggregate), if any. */
  explanation: number | null;
  /** The ensemble's first error (-1: none). */
  firstError: number;
}

export interface ProgressRow {
  index: number;
  /** Q before the step and after it (probability of finally being correct under the prover). */
  qBefore: number;
  qAfter: number;
  advantage: number;
  /** Confidence interval of Q after the step, when known. */
  interval: [number, number] | null;
  /** Confidence interval of the advantage, when known. */
  advantageInterval: [number, number] | null;
  /** The base policy's Q after the step (Q^π; Q after itself when π = μ), when computed. */
  qBase: number | null;
  /** Confidence interval of qBase, when known. */
  qBaseInterval: [number, number] | null;
  /** Effective reward Q^π + α·A^μ, when computed. */
  effective: number | null;
}

export interface ProgressPanel {
  rows: ProgressRow[];
  /** Confidence level of the intervals (e.g. 0.9), null when unknown. */
  confidence: number | null;
  prover: string | null;
  /** The base policy π is the prover's model (true), another model (false), unknown (null). */
  samePolicy: boolean | null;
  /** The prover is a generated random-weight model: the panel says the numbers are meaningless. */
  demo: boolean;
}

export interface InspectorState {
  /** The trace document's URI (the panel serializer reopens it after a reload). */
  uri: string;
  /** File name and record, plain text. */
  title: string;
  /** True when the scores come from the generated demo model (random weights). */
  demo: boolean;
  threshold: number;
  model: string | null;
  /** Number of verifications (K) behind the verdict counts, null when none ran. */
  samples: number | null;
  /** τ: a step is incorrect when at least τ·K verifiers say so. */
  tau: number;
  /** The effective first error (-1 none) and who decided it. */
  firstError: number;
  firstErrorSource: "label" | "verifiers" | "prm" | null;
  /** What each source alone says (-1 no error, null when the source is absent). */
  prmFirstError: number | null;
  labelFirstError: number | null;
  /** The dataset's ground-truth first error (-1 all correct), null when the trace has no labels. */
  groundTruthFirstError: number | null;
  problem: string;
  steps: InspectorStep[];
  matrix: AgreementMatrix | null;
  progress: ProgressPanel | null;
  /** Which actions can run now (e.g. progress estimation exists only once its command is registered). */
  actions: { score: boolean; verify: boolean; progress: boolean; label: boolean };
}

export type InspectorAction = "score" | "verify" | "progress";
export type LabelChoice = HumanLabel | "clear";

export type InspectorHostMessage =
  | { type: "state"; state: InspectorState }
  | { type: "empty"; reason: string }
  /** The editor's cursor moved into this step (-1: outside every step). */
  | { type: "focusStep"; step: number };

/** A step index (or record number) from a webview: a whole number from 0 below 10 million. */
const Index = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1e7 - 1));
/** A threshold: a finite number from 0 to 1. */
const Unit = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1));
/** A duration in milliseconds: finite, not negative. */
const Milliseconds = v.pipe(v.number(), v.finite(), v.minValue(0));
const LABEL_CHOICES = ["correct", "incorrect", "first-error", "clear"] as const satisfies readonly LabelChoice[];

/** What the inspector webview may send: the type and its validator from one declaration (valibot). */
const InspectorWebviewMessageSchema = v.variant("type", [
  v.object({ type: v.literal("ready") }),
  v.object({ type: v.literal("reveal"), step: Index }),
  v.object({ type: v.literal("run"), action: v.picklist(["score", "verify", "progress"] as const satisfies readonly InspectorAction[]) }),
  v.object({ type: v.literal("label"), step: Index, label: v.picklist(LABEL_CHOICES) }),
  /** The webview drew its first chart (timings for the benchmark). */
  v.object({ type: v.literal("rendered"), ms: Milliseconds }),
]);
export type InspectorWebviewMessage = v.InferOutput<typeof InspectorWebviewMessageSchema>;

/** @deprecated names kept for the editor tests: the inspector's message types. */
export type HostToWebview = InspectorHostMessage;
export type WebviewToHost = InspectorWebviewMessage;

// ------------------------------------------------------------------ the dataset dashboard

/** Bins of a first-error position: 0 = "no error" (-1), 1..10 = step 1..10, 11 = step 11 or later. */
export const POSITION_BINS = ["none", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11+"] as const;
/** Score histogram bins over [0, 1]. */
export const SCORE_BINS = 20;

export interface SubsetRow {
  subset: string;
  n: number;
  nError: number;
  nCorrect: number;
  accError: number | null;
  accCorrect: number | null;
  f1: number | null;
  missing: number;
}

/** Everything that depends on the threshold (what a slider move recomputes). */
export interface ThresholdView {
  threshold: number;
  subsets: SubsetRow[];
  averageF1: number | null;
  /** Labelled records without any prediction (they count as wrong, as in `steplens eval`). */
  missing: number;
  /** First-error position histogram: per POSITION_BINS, of the labels and of the predictions. */
  positions: { label: number[]; prediction: number[] };
  /** confusion[labelBin][predictionBin], over labelled records with a prediction. */
  confusion: number[][];
  /** Records with both a label and a prediction, and how many agree exactly. */
  compared: number;
  agree: number;
  /** Host time to compute this view, in milliseconds. */
  computeMs: number;
}

export interface DashboardSummary {
  /** The dataset file (the panel serializer reopens it after a reload). */
  file: string;
  title: string;
  format: string;
  records: number;
  labelled: number;
  /** Records with step scores (the threshold recomputes their predictions) / with a fixed prediction only. */
  scored: number;
  fixedPredictions: number;
  /** Where the scores or predictions came from, plain text. */
  sources: string[];
  /** Per-trace lowest step score histogram (SCORE_BINS bins over [0, 1]) for all-correct vs erroneous traces. */
  scoreHistogram: { correct: number[]; erroneous: number[] };
  /** steplens.prm.threshold now. */
  settingsThreshold: number;
  /** True when the scores come from the generated demo model. */
  demo: boolean;
  view: ThresholdView;
}

/** A clicked bar or cell of the dashboard (declared by DashboardSelectionSchema below). */
export type DashboardSelection = v.InferOutput<typeof DashboardSelectionSchema>;

export interface RecordRow {
  record: number;
  id: string;
  subset: string;
  label: number | null;
  prediction: number | null;
  /** Lowest step score, null without scores. */
  minScore: number | null;
}

export type DashboardHostMessage =
  | { type: "summary"; summary: DashboardSummary }
  | { type: "view"; view: ThresholdView }
  | { type: "records"; selection: DashboardSelection; title: string; rows: RecordRow[]; total: number }
  | { type: "empty"; reason: string }
  | { type: "saved"; threshold: number };

/** A bin number below `count`. */
const bin = (count: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(count - 1));
const DashboardSelectionSchema = v.variant("kind", [
  v.object({ kind: v.literal("score"), group: v.picklist(["correct", "erroneous"]), bin: bin(SCORE_BINS) }),
  v.object({ kind: v.literal("position"), series: v.picklist(["label", "prediction"]), bin: bin(POSITION_BINS.length) }),
  v.object({ kind: v.literal("confusion"), label: bin(POSITION_BINS.length), prediction: bin(POSITION_BINS.length) }),
]);

/** What the dashboard webview may send: the type and its validator from one declaration (valibot). */
const DashboardWebviewMessageSchema = v.variant("type", [
  v.object({ type: v.literal("ready") }),
  v.object({ type: v.literal("threshold"), value: Unit }),
  v.object({ type: v.literal("select"), selection: DashboardSelectionSchema }),
  v.object({ type: v.literal("openRecord"), record: Index }),
  v.object({ type: v.literal("saveThreshold"), value: Unit }),
  v.object({ type: v.literal("loadScores") }),
  v.object({ type: v.literal("rendered"), ms: Milliseconds }),
]);
export type DashboardWebviewMessage = v.InferOutput<typeof DashboardWebviewMessageSchema>;

// ------------------------------------------------------------------ validation

type Obj = Record<string, unknown>;
const isObj = (m: unknown): m is Obj => typeof m === "object" && m !== null && !Array.isArray(m);

/** The output of `schema` for `m` (unknown fields dropped), or null when `m` does not match. */
function parsed<T>(schema: v.GenericSchema<unknown, T>, m: unknown): T | null {
  if (!isObj(m)) return null;
  const r = v.safeParse(schema, m);
  return r.success ? r.output : null;
}

/** Narrows an unknown message from the inspector webview (it is not trusted either); null when invalid. */
export function parseInspectorMessage(m: unknown): InspectorWebviewMessage | null {
  return parsed(InspectorWebviewMessageSchema, m);
}

/** The editor tests' name for `parseInspectorMessage`. */
export const parseWebviewMessage = parseInspectorMessage;

function parseSelection(s: unknown): DashboardSelection | null {
  return parsed(DashboardSelectionSchema, s);
}

/** Narrows an unknown message from the dashboard webview; null when invalid. */
export function parseDashboardMessage(m: unknown): DashboardWebviewMessage | null {
  return parsed(DashboardWebviewMessageSchema, m);
}

/** The webview's check of a host message (shape of the envelope and the fields it reads first). */
export function isInspectorHostMessage(m: unknown): m is InspectorHostMessage {
  if (!isObj(m)) return false;
  if (m.type === "state") return isObj(m.state) && Array.isArray(m.state.steps) && typeof m.state.title === "string" && typeof m.state.uri === "string";
  if (m.type === "empty") return typeof m.reason === "string";
  if (m.type === "focusStep") return Number.isInteger(m.step);
  return false;
}

export function isDashboardHostMessage(m: unknown): m is DashboardHostMessage {
  if (!isObj(m)) return false;
  const isView = (v: unknown) => isObj(v) && typeof v.threshold === "number" && Array.isArray(v.subsets) && isObj(v.positions) && Array.isArray(v.confusion);
  switch (m.type) {
    case "summary":
      return isObj(m.summary) && typeof m.summary.file === "string" && isObj(m.summary.scoreHistogram) && isView(m.summary.view);
    case "view":
      return isView(m.view);
    case "records":
      return Array.isArray(m.rows) && typeof m.title === "string" && typeof m.total === "number" && parseSelection(m.selection) !== null;
    case "empty":
      return typeof m.reason === "string";
    case "saved":
      return typeof m.threshold === "number";
    default:
      return false;
  }
}
