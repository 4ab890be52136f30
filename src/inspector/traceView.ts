/**
 * The inspector's view model of one trace: a Trace plus its annotations (src/annotations) become an
 * InspectorState — plain data the webview draws (score chart with the threshold and the first
 * errors by each source, the verifier × step agreement matrix, PAV progress, the steps in full).
 * No `vscode` import; the host adapter is src/extension/inspectorPanel.ts.
 */
import type { TraceAnnotations } from "../annotations/stepAnnotations";
import type { Trace } from "../core/trace";
import type { AgreementMatrix, InspectorState, MatrixCell, ProgressPanel, ProgressRow } from "./protocol";

/**
 * Progress as either producer gives it: the annotations' ProgressView (`qAfter`; `qInterval` is Q's
 * interval, `interval` the advantage's) or the progress pipeline's ProgressResult (`q`, `effective`;
 * `interval` is Q's). Both carry the base policy's `qBase` with `qBaseInterval` and `samePolicy`. The inspector shows the panel whenever one of them exists.
 */
export interface ProgressLike {
  steps: readonly {
    index: number;
    qBefore: number;
    q?: number;
    qAfter?: number;
    advantage: number;
    effective?: number | null;
    interval?: readonly [number, number] | null;
    qInterval?: readonly [number, number] | null;
    qBase?: number | null;
    qBaseInterval?: readonly [number, number] | null;
  }[];
  confidence?: number | null;
  prover?: string | null;
  samePolicy?: boolean | null;
  demo?: boolean;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** The progress panel of `p` (rows in step order; steps with no usable numbers are left out), null when there is none. */
export function progressPanelOf(p: ProgressLike | null | undefined): ProgressPanel | null {
  if (!p || !Array.isArray(p.steps) || p.steps.length === 0) return null;
  const rows: ProgressRow[] = [];
  for (const s of p.steps) {
    const annotationShape = finite(s.qAfter);
    const qAfter = annotationShape ? s.qAfter! : finite(s.q) ? s.q : null;
    if (!Number.isInteger(s.index) || !finite(s.qBefore) || qAfter === null) continue;
    const pair = (v: readonly [number, number] | null | undefined) => (v && finite(v[0]) && finite(v[1]) ? ([v[0], v[1]] as [number, number]) : null);
    rows.push({
      index: s.index,
      qBefore: s.qBefore,
      qAfter,
      advantage: finite(s.advantage) ? s.advantage : qAfter - s.qBefore,
      interval: pair(annotationShape ? s.qInterval : s.interval),
      advantageInterval: annotationShape ? pair(s.interval) : null,
      qBase: finite(s.qBase) ? s.qBase : null,
      qBaseInterval: pair(s.qBaseInterval),
      effective: finite(s.effective) ? s.effective : null,
    });
  }
  if (!rows.length) return null;
  rows.sort((a, b) => a.index - b.index);
  return {
    rows,
    confidence: finite(p.confidence) ? p.confidence : null,
    prover: p.prover ?? null,
    samePolicy: typeof p.samePolicy === "boolean" ? p.samePolicy : null,
    demo: p.demo === true,
  };
}

/** The K × steps agreement matrix from the annotations' per-step verifier views, null without verification. */
export function agreementMatrixOf(a: TraceAnnotations, tau: number): AgreementMatrix | null {
  const k = a.verifierSamples;
  if (k === null || k <= 0) return null;
  // Verifier ids as the pipeline numbered them (0-based), in the order the cells list them.
  const ids: number[] = [];
  for (const s of a.steps) for (const c of s.verifiers?.cells ?? []) if (!ids.includes(c.verifier)) ids.push(c.verifier);
  if (!ids.length) for (let v = 0; v < k; v++) ids.push(v);
  const rows = ids.map((verifier) => {
    const cells: MatrixCell[] = [];
    for (const step of a.steps) {
      const c = step.verifiers?.cells?.find((x) => x.verifier === verifier);
      cells.push(c ? { verdict: c.verdict, critique: c.critique } : { verdict: "not-given", critique: "" });
    }
    return { verifier, malformed: cells.length > 0 && cells.every((c) => c.verdict === "malformed"), cells };
  });
  let explanation: number | null = null;
  for (const s of a.steps) if (explanation === null && s.critique) explanation = s.critique.verifier;
  return {
    samples: k,
    tau,
    rows,
    aggregate: a.steps.map((s) => s.verifiers?.verdict ?? "unknown"),
    explanation,
    firstError: a.firstErrorBy.verifiers ?? -1,
  };
}

export interface TraceViewOptions {
  uri: string;
  title: string;
  tau: number;
  /** Shown by file name when it is a path. */
  model?: string | null;
  /** Progress from the progress pipeline, when the annotations do not carry it. */
  progress?: ProgressLike | null;
  actions?: Partial<InspectorState["actions"]>;
  /** Longest preview (default 140 characters). */
  previewLength?: number;
}

/** White space collapsed, at most `max` characters ("…" when cut). */
export function previewOf(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The inspector's whole state for one trace. */
export function traceViewOf(trace: Trace, a: TraceAnnotations, opts: TraceViewOptions): InspectorState {
  const fromAnnotations: ProgressLike | null = a.steps.some((s) => s.progress)
    ? {
        steps: a.steps.flatMap((s) => (s.progress ? [s.progress] : [])),
        confidence: a.progressConfidence,
        demo: (a as { progressDemo?: boolean }).progressDemo === true,
      }
    : null;
  const model = opts.model !== undefined ? opts.model : a.model;
  return {
    uri: opts.uri,
    title: opts.title,
    demo: a.demo,
    threshold: a.threshold,
    model: model && /[\\/]/.test(model) && !/^hf:/i.test(model) ? model.split(/[\\/]/).pop()! : model,
    samples: a.verifierSamples,
    tau: opts.tau,
    firstError: a.firstError ? a.firstError.index : -1,
    firstErrorSource: a.firstError?.source ?? null,
    prmFirstError: a.firstErrorBy.prm,
    labelFirstError: a.firstErrorBy.label,
    groundTruthFirstError: a.groundTruthFirstError,
    problem: trace.problem,
    steps: a.steps.map((s) => {
      const text = trace.steps[s.index]?.text ?? "";
      return {
        index: s.index,
        text,
        preview: previewOf(text, opts.previewLength ?? 140),
        score: s.score,
        scoreText: s.scoreText,
        verdicts: s.verifiers ? { incorrect: s.verifiers.incorrect, correct: s.verifiers.correct, missing: s.verifiers.missing } : null,
        label: s.label,
        groundTruth: s.groundTruth,
        verdict: s.verdict,
        isFirstError: s.isFirstError,
      };
    }),
    matrix: agreementMatrixOf(a, opts.tau),
    progress: progressPanelOf(opts.progress ?? fromAnnotations),
    actions: { score: true, verify: true, progress: false, label: true, ...opts.actions },
  };
}
