/**
 * Hand-written SVG and HTML-grid charts for the StepLens webviews (why no charting library: see
 * docs/inspector.md). Built with DOM APIs only (createElementNS + textContent), coloured by CSS
 * classes that read the VS Code theme variables, every mark focusable (roving Tab stop, arrows)
 * and labelled for screen readers.
 */
import type { AgreementMatrix, CellVerdict, InspectorState, ProgressPanel } from "../src/inspector/protocol";
import { firstErrorText, fmt, h, rovingFocus, svg, svgTitle } from "./dom";

/** Bucket 0 (low) … 4 (high), matching the gutter heat strip. */
export function heatBucket(score: number): number {
  return Math.min(4, Math.max(0, Math.floor(score * 5)));
}

interface Frame {
  svg: SVGSVGElement;
  x: (i: number) => number;
  bw: number;
  y: (v: number) => number;
  width: number;
  pad: { left: number; right: number; top: number; bottom: number };
}

function frame(
  n: number,
  opts: { caption: string; yLabel: string; top?: number; height?: number; ticks?: (i: number) => string; yMin?: number; yMax?: number; yTicks?: number[] },
): Frame {
  const count = Math.max(1, n);
  const pad = { left: 52, right: 10, top: opts.top ?? 14, bottom: 26 };
  // Bars at most 44 units wide (a 3-step trace is not drawn with fat slabs), the whole at most 1100.
  const bw = Math.min(44, (1100 - pad.left - pad.right) / count);
  const width = Math.max(300, pad.left + pad.right + bw * count);
  const height = opts.height ?? 190;
  const yMin = opts.yMin ?? 0;
  const yMax = opts.yMax ?? 1;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width: String(Math.round(width * 1.15)),
    class: "chart",
    role: "group",
    "aria-label": opts.caption,
  });
  svg("desc", {}, root).textContent = opts.caption;
  const plotH = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + i * bw;
  const y = (v: number) => pad.top + plotH * (1 - (v - yMin) / (yMax - yMin));
  for (const v of opts.yTicks ?? [0, 0.5, 1]) {
    svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }, root);
    svg("text", { x: pad.left - 4, y: y(v) + 3, class: "tick", "text-anchor": "end", "aria-hidden": "true" }, root).textContent = String(
      Math.round(v * 100) / 100,
    );
  }
  const every = Math.ceil(count / 24);
  for (let i = 0; i < n; i++) {
    if (i % every === 0)
      svg("text", { x: x(i) + bw / 2, y: height - 9, class: "tick", "text-anchor": "middle", "aria-hidden": "true" }, root).textContent = opts.ticks
        ? opts.ticks(i)
        : String(i + 1);
  }
  const midY = pad.top + plotH / 2;
  svg("text", { x: 11, y: midY, class: "axis-label", "text-anchor": "middle", transform: `rotate(-90 11 ${midY})`, "aria-hidden": "true" }, root).textContent =
    opts.yLabel;
  return { svg: root, x, bw, y, width, pad };
}

function thresholdLine(f: Frame, value: number, text: string, cls = "threshold"): void {
  svg("line", { x1: f.pad.left, x2: f.width - f.pad.right, y1: f.y(value), y2: f.y(value), class: cls, "data-value": value }, f.svg);
  svg("text", { x: f.width - f.pad.right - 2, y: f.y(value) - 3, class: "threshold-label", "text-anchor": "end", "aria-hidden": "true" }, f.svg).textContent =
    text;
}

const MARKERS = [
  { key: "truth", label: "dataset first error", cls: "marker-truth" },
  { key: "label", label: "your label", cls: "marker-label" },
  { key: "prm", label: "PRM first error", cls: "marker-prm" },
] as const;

/**
 * PRM score per step with the threshold line; the effective first error outlined; above the bars a
 * lane per source (dataset ground truth, human label, PRM) marks where each puts the first error, so
 * disagreements stand out.
 */
export function scoreChart(state: InspectorState, selected: number, onPick: (step: number) => void): HTMLElement {
  const lane = 12;
  const f = frame(state.steps.length, { caption: "PRM score per step", yLabel: "P(correct)", top: 14 + lane * MARKERS.length, height: 220 });
  const items: SVGGElement[] = [];
  const where: Record<(typeof MARKERS)[number]["key"], number | null> = {
    truth: state.groundTruthFirstError,
    label: state.labelFirstError,
    prm: state.prmFirstError,
  };
  MARKERS.forEach((m, row) => {
    const yy = 12 + row * lane;
    const at = where[m.key];
    if (at === null) return;
    svg("text", { x: f.pad.left - 4, y: yy + 3, class: "lane-label", "text-anchor": "end", "aria-hidden": "true" }, f.svg).textContent =
      m.key === "truth" ? "dataset" : m.key === "prm" ? "PRM" : "label";
    if (at < 0) {
      svg("text", { x: f.pad.left + 4, y: yy + 3, class: `lane-none ${m.cls}`, "data-marker": m.key, "data-step": -1 }, f.svg).textContent = `${m.label}: none`;
      return;
    }
    const cx = f.x(at) + f.bw / 2;
    const mark = svg(
      "path",
      { d: `M${cx - 5},${yy - 4} L${cx + 5},${yy - 4} L${cx},${yy + 4} Z`, class: `marker ${m.cls}`, "data-marker": m.key, "data-step": at },
      f.svg,
    );
    svgTitle(mark, `${m.label}: step ${at + 1}`);
  });
  state.steps.forEach((s, i) => {
    const v = s.score ?? 0;
    const cls = ["bar"];
    if (s.index === selected) cls.push("selected");
    const g = svg("g", { class: cls.join(" "), "data-step": s.index, role: "button" }, f.svg);
    const label = `Step ${s.index + 1}: ${s.score === null ? "not scored" : `score ${s.scoreText ?? fmt(s.score)}${s.score < state.threshold ? ", below the threshold" : ""}`}${s.isFirstError ? ", first error" : ""}${state.demo ? " (demo: scores are meaningless)" : ""}`;
    g.setAttribute("aria-label", label);
    svg("rect", { x: f.x(i), y: f.pad.top, width: f.bw, height: f.y(0) - f.pad.top, class: "hit" }, g);
    svg(
      "rect",
      {
        x: f.x(i) + 2,
        y: f.y(v),
        width: Math.max(1, f.bw - 4),
        height: Math.max(0, f.y(0) - f.y(v)),
        class: s.score === null ? "unscored" : `heat-${heatBucket(v)}${s.isFirstError ? " first-error" : ""}`,
      },
      g,
    );
    if (s.score !== null && f.bw >= 22)
      svg("text", { x: f.x(i) + f.bw / 2, y: f.y(v) - 3, class: "value", "text-anchor": "middle", "aria-hidden": "true" }, g).textContent =
        s.scoreText ?? fmt(s.score);
    svgTitle(g, label);
    g.addEventListener("click", () => onPick(s.index));
    items.push(g);
  });
  thresholdLine(f, state.threshold, `threshold ${fmt(state.threshold)}`);
  rovingFocus(items, { initial: Math.max(0, selected) });
  const legend = h("div", { cls: "legend", attrs: { "aria-hidden": "true" } });
  for (const m of MARKERS) if (where[m.key] !== null) legend.append(h("span", { cls: `swatch ${m.cls}` }), h("span", { text: m.label }));
  legend.append(
    h("span", { cls: "swatch first-error-swatch" }),
    h("span", { text: "effective first error (outlined)" }),
    h("span", { cls: "swatch threshold-swatch" }),
    h("span", { text: `threshold ${fmt(state.threshold)}` }),
  );
  return h("div", { cls: "chart-wrap" }, f.svg, legend);
}

const CELL_SYMBOL: Record<CellVerdict, string> = { correct: "✓", incorrect: "✗", "not-given": "·", malformed: "?" };
const CELL_WORDS: Record<CellVerdict, string> = { correct: "correct", incorrect: "incorrect", "not-given": "no verdict", malformed: "malformed sample" };

/**
 * K verifiers × steps: each cell the verdict, the aggregate row below, τ in the caption. A grid
 * (arrows move, Enter opens the critique); the verification chosen as the explanation is marked.
 */
export function agreementMatrix(
  m: AgreementMatrix,
  selected: { verifier: number; step: number } | null,
  onCell: (verifier: number, step: number) => void,
): HTMLElement {
  const steps = m.aggregate.length;
  const table = h("table", { cls: "matrix", attrs: { role: "grid", "aria-label": `Verifier agreement: ${m.samples} verifiers by ${steps} steps` } });
  const cap = h("caption", {
    text: `K = ${m.samples} verifiers · τ = ${fmt(m.tau)}: a step is incorrect when at least ${Math.max(1, Math.ceil(m.tau * m.samples - 1e-9))} of ${m.samples} say so`,
  });
  table.appendChild(cap);
  const head = h("tr", { attrs: { role: "row" } }, h("th", { text: "Verifier", attrs: { role: "columnheader" } }));
  for (let i = 0; i < steps; i++) head.appendChild(h("th", { text: String(i + 1), attrs: { role: "columnheader", "aria-label": `Step ${i + 1}` } }));
  table.appendChild(h("thead", {}, head));
  const body = h("tbody");
  const cells: HTMLElement[] = [];
  for (const row of m.rows) {
    const explanation = row.verifier === m.explanation;
    const name = `Verifier ${row.verifier + 1}${explanation ? " ★" : ""}${row.malformed ? " (malformed)" : ""}`;
    const tr = h(
      "tr",
      { cls: explanation ? "explanation" : "", attrs: { role: "row" } },
      h("th", { text: name, attrs: { role: "rowheader", title: explanation ? "Chosen as the explanation of the aggregate" : "" } }),
    );
    row.cells.forEach((c, step) => {
      const isSel = selected?.verifier === row.verifier && selected.step === step;
      const td = h("td", {
        text: CELL_SYMBOL[c.verdict],
        cls: `cell cell-${c.verdict}${isSel ? " selected" : ""}`,
        attrs: {
          role: "gridcell",
          "data-verifier": String(row.verifier),
          "data-step": String(step),
          "data-verdict": c.verdict,
          "aria-label": `Verifier ${row.verifier + 1}${explanation ? " (the explanation)" : ""}, step ${step + 1}: ${CELL_WORDS[c.verdict]}${c.critique ? ", has a critique" : ""}`,
        },
      });
      td.addEventListener("click", () => onCell(row.verifier, step));
      cells.push(td);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  const agg = h("tr", { cls: "aggregate", attrs: { role: "row" } }, h("th", { text: "Aggregate", attrs: { role: "rowheader" } }));
  m.aggregate.forEach((v, step) => {
    agg.appendChild(
      h("td", {
        text: v === "correct" ? "✓" : v === "incorrect" ? "✗" : "?",
        cls: `agg agg-${v}${m.firstError === step ? " first-error" : ""}`,
        attrs: {
          role: "gridcell",
          "data-step": String(step),
          "data-verdict": v,
          "aria-label": `Aggregate, step ${step + 1}: ${v}${m.firstError === step ? ", the ensemble's first error" : ""}`,
        },
      }),
    );
  });
  body.appendChild(agg);
  table.appendChild(body);
  const initial = selected ? m.rows.findIndex((r) => r.verifier === selected.verifier) * steps + selected.step : 0;
  rovingFocus(cells, { columns: steps, initial: Math.max(0, initial) });
  return h("div", { cls: "matrix-wrap" }, table);
}

/** PAV progress: Q before → Q after per step (interval as a whisker) and the advantage below. */
export function progressChart(p: ProgressPanel, onPick: (step: number) => void): HTMLElement {
  const n = Math.max(...p.rows.map((r) => r.index)) + 1;
  const f = frame(n, { caption: "Q before and after each step under the prover, with intervals", yLabel: "Q (P(finally correct))", height: 180 });
  const items: SVGGElement[] = [];
  for (const r of p.rows) {
    const cx = f.x(r.index) + f.bw / 2;
    const g = svg("g", { class: "progress-step", "data-step": r.index, role: "button" }, f.svg);
    const base = r.qBase !== null && p.samePolicy === false ? `, base policy Qπ ${fmt(r.qBase)}` : "";
    const eff = r.effective !== null ? `, effective ${fmt(r.effective)}` : "";
    const label = `Step ${r.index + 1}: Q ${fmt(r.qBefore)} → ${fmt(r.qAfter)}${r.interval ? ` (interval ${fmt(r.interval[0])}–${fmt(r.interval[1])})` : ""}, advantage ${r.advantage >= 0 ? "+" : ""}${fmt(r.advantage)}${r.advantageInterval ? ` (${fmt(r.advantageInterval[0])} to ${fmt(r.advantageInterval[1])})` : ""}${base}${eff}${p.demo ? " — demo: scores are meaningless" : ""}`;
    g.setAttribute("aria-label", label);
    svg("rect", { x: f.x(r.index), y: f.pad.top, width: f.bw, height: f.y(0) - f.pad.top, class: "hit" }, g);
    if (r.interval) {
      const [lo, hi] = r.interval;
      svg("line", { x1: cx + 4, x2: cx + 4, y1: f.y(Math.max(0, Math.min(1, lo))), y2: f.y(Math.max(0, Math.min(1, hi))), class: "interval" }, g);
    }
    svg("line", { x1: cx - 4, x2: cx + 4, y1: f.y(r.qBefore), y2: f.y(r.qAfter), class: r.advantage >= 0 ? "q-up" : "q-down" }, g);
    svg("circle", { cx: cx - 4, cy: f.y(r.qBefore), r: 3, class: "q-before" }, g);
    svg("circle", { cx: cx + 4, cy: f.y(r.qAfter), r: 3.5, class: "q-after" }, g);
    if (r.qBase !== null && p.samePolicy === false) {
      const y = f.y(Math.max(0, Math.min(1, r.qBase)));
      svg("rect", { x: cx + 6, y: y - 3, width: 6, height: 6, class: "q-base" }, g);
    }
    svgTitle(g, label);
    g.addEventListener("click", () => onPick(r.index));
    items.push(g);
  }
  rovingFocus(items);
  const a = frame(n, { caption: "Advantage of each step (Q after − Q before)", yLabel: "advantage", height: 120, yMin: -1, yMax: 1, yTicks: [-1, 0, 1] });
  for (const r of p.rows) {
    const v = Math.max(-1, Math.min(1, r.advantage));
    svg(
      "rect",
      {
        x: a.x(r.index) + 3,
        y: Math.min(a.y(0), a.y(v)),
        width: Math.max(1, a.bw - 6),
        height: Math.abs(a.y(0) - a.y(v)),
        class: v >= 0 ? "adv-up" : "adv-down",
        "data-step": r.index,
        "aria-hidden": "true",
      },
      a.svg,
    );
    if (r.advantageInterval) {
      const cx = a.x(r.index) + a.bw / 2;
      const clamp = (x: number) => Math.max(-1, Math.min(1, x));
      svg(
        "line",
        { x1: cx, x2: cx, y1: a.y(clamp(r.advantageInterval[0])), y2: a.y(clamp(r.advantageInterval[1])), class: "interval", "aria-hidden": "true" },
        a.svg,
      );
    }
  }
  const table = h("table", { cls: "progress-table" });
  table.appendChild(
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["Step", "Qμ before", "Qμ after", "Qμ interval", "Advantage Aμ", "Advantage interval", "Qπ after", "Qπ interval", "Effective Qπ + α·Aμ"].map((t) =>
          h("th", { text: t }),
        ),
      ),
    ),
  );
  const tb = h("tbody");
  for (const r of p.rows)
    tb.appendChild(
      h(
        "tr",
        { attrs: { "data-step": String(r.index) } },
        h("td", { text: String(r.index + 1) }),
        h("td", { text: fmt(r.qBefore) }),
        h("td", { text: fmt(r.qAfter) }),
        h("td", { text: r.interval ? `${fmt(r.interval[0])}–${fmt(r.interval[1])}` : "—" }),
        h("td", { text: `${r.advantage >= 0 ? "+" : ""}${fmt(r.advantage)}`, cls: r.advantage >= 0 ? "adv-up-text" : "adv-down-text" }),
        h("td", { text: r.advantageInterval ? `${fmt(r.advantageInterval[0])} to ${fmt(r.advantageInterval[1])}` : "—" }),
        h("td", { text: r.qBase !== null ? fmt(r.qBase) : "—" }),
        h("td", { text: r.qBaseInterval ? `${fmt(r.qBaseInterval[0])}–${fmt(r.qBaseInterval[1])}` : "—" }),
        h("td", { text: fmt(r.effective) }),
      ),
    );
  table.appendChild(tb);
  const meta = h("p", {
    cls: "meta",
    text: `${p.demo ? "demo: scores are meaningless · " : ""}${p.prover ? `prover μ ${p.prover} · ` : ""}${
      p.samePolicy === true ? "base policy π = μ (one model: Qπ = Qμ) · " : p.samePolicy === false ? "base policy π: another model (Qπ, ■) · " : ""
    }${p.confidence !== null ? `${Math.round(p.confidence * 100)}% intervals` : "intervals as computed"}`,
  });
  return h("div", { cls: "chart-wrap" }, meta, f.svg, a.svg, table);
}

export interface Series {
  name: string;
  cls: string;
  values: readonly number[];
}

/** Grouped bars (one group per bin, one bar per series); click a bar → onPick(series, bin). */
export function histogram(
  series: readonly Series[],
  binLabels: readonly string[],
  opts: { caption: string; yLabel: string; thresholdBin?: number; thresholdText?: string; id: string },
  onPick: (series: number, bin: number) => void,
): HTMLElement {
  const bins = binLabels.length;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const f = frame(bins, { caption: opts.caption, yLabel: opts.yLabel, ticks: (i) => binLabels[i] ?? "", yMax: max, yTicks: [0, Math.round(max / 2), max] });
  f.svg.setAttribute("id", opts.id);
  f.svg.setAttribute("data-plot-left", String(f.pad.left));
  f.svg.setAttribute("data-plot-right", String(f.width - f.pad.right));
  const items: SVGGElement[] = [];
  const inner = f.bw / (series.length + 0.5);
  for (let b = 0; b < bins; b++) {
    series.forEach((s, k) => {
      const v = s.values[b] ?? 0;
      const x = f.x(b) + inner * 0.25 + k * inner;
      const g = svg("g", { class: "hbar", "data-series": k, "data-bin": b, "data-count": v, role: "button" }, f.svg);
      const label = `${s.name}, ${binLabels[b]}: ${v}`;
      g.setAttribute("aria-label", label);
      svg("rect", { x, y: f.pad.top, width: inner, height: f.y(0) - f.pad.top, class: "hit" }, g);
      svg("rect", { x: x + 0.5, y: f.y(v), width: Math.max(1, inner - 1), height: Math.max(0, f.y(0) - f.y(v)), class: s.cls }, g);
      svgTitle(g, label);
      g.addEventListener("click", () => onPick(k, b));
      items.push(g);
    });
  }
  if (opts.thresholdBin !== undefined) {
    const tx = f.pad.left + opts.thresholdBin * f.bw;
    svg("line", { x1: tx, x2: tx, y1: f.pad.top, y2: f.y(0), class: "threshold", "data-value": opts.thresholdBin / bins }, f.svg);
    svg("text", { x: tx + 3, y: f.pad.top + 8, class: "threshold-label", "aria-hidden": "true" }, f.svg).textContent = opts.thresholdText ?? "";
  }
  rovingFocus(items);
  const legend = h("div", { cls: "legend", attrs: { "aria-hidden": "true" } });
  for (const s of series) legend.append(h("span", { cls: `swatch ${s.cls}` }), h("span", { text: s.name }));
  return h("div", { cls: "chart-wrap" }, f.svg, legend);
}

/** confusion[label][prediction] as a grid with counts; click a cell → onPick(label, prediction). */
export function confusionGrid(
  cells: readonly (readonly number[])[],
  bins: readonly string[],
  onPick: (label: number, prediction: number) => void,
): HTMLElement {
  const max = Math.max(1, ...cells.flat());
  const table = h("table", {
    cls: "confusion",
    attrs: { role: "grid", id: "confusion", "aria-label": "Labelled first error (rows) against predicted first error (columns)" },
  });
  table.appendChild(h("caption", { text: "Rows: labelled first error · columns: predicted (“none” = no error)" }));
  const head = h("tr", { attrs: { role: "row" } }, h("th", { text: "label \\ pred", attrs: { role: "columnheader" } }));
  for (const b of bins) head.appendChild(h("th", { text: b, attrs: { role: "columnheader" } }));
  table.appendChild(h("thead", {}, head));
  const body = h("tbody");
  const all: HTMLElement[] = [];
  cells.forEach((row, l) => {
    const tr = h("tr", { attrs: { role: "row" } }, h("th", { text: bins[l], attrs: { role: "rowheader" } }));
    row.forEach((v, p) => {
      const shade = v === 0 ? 0 : 1 + Math.min(4, Math.floor((4 * Math.log1p(v)) / Math.log1p(max)));
      const td = h("td", {
        text: v ? String(v) : "",
        cls: `cm shade-${shade}${l === p ? " diagonal" : ""}`,
        attrs: {
          role: "gridcell",
          "data-label": String(l),
          "data-prediction": String(p),
          "data-count": String(v),
          "aria-label": `labelled ${bins[l]}, predicted ${bins[p]}: ${v} records`,
        },
      });
      td.addEventListener("click", () => onPick(l, p));
      all.push(td);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  table.appendChild(body);
  rovingFocus(all, { columns: bins.length });
  return h("div", { cls: "matrix-wrap" }, table);
}

export { firstErrorText };
