/**
 * The StepLens dataset dashboard: score distributions of all-correct vs erroneous traces, the
 * first-error position histogram (label vs prediction), ProcessBench metrics per subset and their
 * average, the confusion of labelled vs predicted first error, and a live threshold slider. The host
 * aggregates (src/inspector/dashboardModel.ts, the same metric code as `steplens eval`) and sends
 * summaries; a slider move sends the threshold and gets back the recomputed view (one request in
 * flight, the latest value wins). Clicking a bar or a cell lists its records; a record opens as a
 * trace document.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-badge/index.js";
import {
  isDashboardHostMessage,
  POSITION_BINS,
  SCORE_BINS,
  type DashboardHostMessage,
  type DashboardSelection,
  type DashboardSummary,
  type DashboardWebviewMessage,
  type RecordRow,
  type ThresholdView,
} from "../src/inspector/protocol";
import { confusionGrid, histogram } from "./charts";
import { custom, firstErrorText, fmt, h } from "./dom";

interface Saved {
  summary: DashboardSummary;
  threshold: number;
  records: Extract<DashboardHostMessage, { type: "records" }> | null;
}
declare function acquireVsCodeApi(): { postMessage(m: DashboardWebviewMessage): void; setState(s: Saved): void; getState(): Saved | undefined };
const vscode = acquireVsCodeApi();
const root = document.getElementById("root")!;
const started = performance.now();
let reportedRender = false;
const restored = vscode.getState() as Partial<Saved> | undefined;
let current: Saved | null = restored?.summary?.view
  ? { summary: restored.summary, threshold: restored.threshold ?? restored.summary.view.threshold, records: restored.records ?? null }
  : null;
const post = (m: DashboardWebviewMessage) => vscode.postMessage(m);
const save = () => current && vscode.setState(current);

// Slider → host: one request in flight; the newest value is sent when the answer arrives.
let inFlight: { value: number; at: number } | null = null;
let queued: number | null = null;
const latencies: number[] = [];

function requestView(value: number): void {
  if (inFlight) {
    queued = value;
    return;
  }
  inFlight = { value, at: performance.now() };
  post({ type: "threshold", value });
}

const pct = (v: number | null) => (v === null ? "—" : v.toFixed(1));

function metricsTable(view: ThresholdView): HTMLElement {
  const table = h("table", { cls: "metrics", attrs: { id: "metrics", "aria-label": "ProcessBench metrics per subset" } });
  table.appendChild(h("thead", {}, h("tr", {}, ...["Subset", "n", "errors / correct", "acc_error", "acc_correct", "F1"].map((t) => h("th", { text: t })))));
  const body = h("tbody");
  for (const r of view.subsets)
    body.appendChild(
      h(
        "tr",
        { attrs: { "data-subset": r.subset } },
        h("td", { text: r.subset }),
        h("td", { text: String(r.n) }),
        h("td", { text: `${r.nError} / ${r.nCorrect}` }),
        h("td", { text: pct(r.accError) }),
        h("td", { text: pct(r.accCorrect) }),
        h("td", { text: pct(r.f1), cls: "f1" }),
      ),
    );
  body.appendChild(
    h(
      "tr",
      { cls: "average" },
      h("td", { text: "Average F1" }),
      h("td", { text: "" }),
      h("td", { text: "" }),
      h("td", { text: "" }),
      h("td", { text: "" }),
      h("td", { text: pct(view.averageF1), attrs: { id: "average-f1" } }),
    ),
  );
  table.appendChild(body);
  return table;
}

function viewPart(s: DashboardSummary, view: ThresholdView): HTMLElement {
  const part = h("div", { attrs: { id: "view" } });
  const bins = [...POSITION_BINS];
  const info =
    `${view.compared} labelled records with a prediction, ${view.agree} exact (${view.compared ? ((100 * view.agree) / view.compared).toFixed(1) : "—"}%)` +
    (view.missing ? ` · ${view.missing} labelled without a prediction (count as wrong)` : "");
  part.appendChild(
    h(
      "section",
      { cls: "panel", attrs: { id: "metrics-panel", "aria-labelledby": "metrics-h" } },
      h("h2", { text: `ProcessBench metrics at threshold ${fmt(view.threshold)}`, attrs: { id: "metrics-h" } }),
      s.labelled ? metricsTable(view) : h("p", { cls: "hint", text: "No record has a ground-truth label: metrics need labels." }),
      h("p", { cls: "meta", text: info }),
    ),
  );
  part.appendChild(
    h(
      "section",
      { cls: "panel", attrs: { id: "positions", "aria-labelledby": "positions-h" } },
      h("h2", { text: "First-error position: label vs prediction", attrs: { id: "positions-h" } }),
      histogram(
        [
          { name: "labelled", cls: "series-label", values: view.positions.label },
          { name: "predicted", cls: "series-prediction", values: view.positions.prediction },
        ],
        bins,
        { caption: "Records per first-error position, labelled and predicted", yLabel: "records", id: "position-chart" },
        (series, bin) => select({ kind: "position", series: series === 0 ? "label" : "prediction", bin }),
      ),
    ),
  );
  part.appendChild(
    h(
      "section",
      { cls: "panel", attrs: { id: "confusion-panel", "aria-labelledby": "confusion-h" } },
      h("h2", { text: "Confusion: labelled vs predicted first error", attrs: { id: "confusion-h" } }),
      confusionGrid(view.confusion, bins, (label, prediction) => select({ kind: "confusion", label, prediction })),
    ),
  );
  return part;
}

function select(selection: DashboardSelection): void {
  post({ type: "select", selection });
}

function recordsPart(r: Saved["records"]): HTMLElement {
  const box = h("section", { cls: "panel", attrs: { id: "records", "aria-labelledby": "records-h", "aria-live": "polite" } });
  if (!r) {
    box.append(
      h("h2", { text: "Records", attrs: { id: "records-h" } }),
      h("p", { cls: "hint", text: "Click a bar or a cell (or reach it with Tab and the arrow keys, then Enter) to list its records." }),
    );
    return box;
  }
  box.appendChild(
    h("h2", {
      text: `${r.title} — ${r.total} record${r.total === 1 ? "" : "s"}${r.total > r.rows.length ? ` (first ${r.rows.length})` : ""}`,
      attrs: { id: "records-h" },
    }),
  );
  if (!r.rows.length) return box;
  const table = h("table", { cls: "records" });
  table.appendChild(h("thead", {}, h("tr", {}, ...["Record", "Subset", "Label", "Predicted", "Lowest score"].map((t) => h("th", { text: t })))));
  const body = h("tbody");
  for (const row of r.rows as RecordRow[]) {
    const tr = h(
      "tr",
      { attrs: { tabindex: "0", role: "button", "data-record": String(row.record), "aria-label": `Open ${row.id}` } },
      h("td", { text: row.id }),
      h("td", { text: row.subset }),
      h("td", { text: firstErrorText(row.label) }),
      h("td", { text: firstErrorText(row.prediction) }),
      h("td", { text: fmt(row.minScore) }),
    );
    const open = () => post({ type: "openRecord", record: row.record });
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        open();
      }
    });
    body.appendChild(tr);
  }
  table.appendChild(body);
  box.appendChild(table);
  return box;
}

function render(): void {
  if (!current) return;
  const s = current.summary;
  root.replaceChildren();
  const head = h("header", {}, h("h1", { text: s.title }));
  head.appendChild(
    h("p", {
      cls: "meta",
      text: `${s.records} records (${s.format}) · ${s.labelled} labelled · ${s.scored} with step scores${s.fixedPredictions ? ` · ${s.fixedPredictions} with a fixed prediction` : ""}${s.sources.length ? ` · from ${s.sources.join(", ")}` : ""}`,
    }),
  );
  if (s.demo) head.appendChild(custom("vscode-badge", { variant: "counter" }, "demo: scores are meaningless"));
  const controls = h("div", { cls: "controls", attrs: { role: "group", "aria-label": "Threshold" } });
  const slider = h("input", {
    attrs: {
      type: "range",
      id: "threshold",
      min: "0",
      max: "1",
      step: "0.01",
      "aria-label": "PRM threshold: a step scoring below it is flagged",
      "aria-describedby": "threshold-note",
    },
  });
  slider.value = String(current.threshold);
  if (!s.scored) slider.disabled = true;
  const readout = h("output", { text: fmt(current.threshold), attrs: { id: "threshold-value", for: "threshold" } });
  slider.addEventListener("input", () => {
    const v = Number(slider.value);
    readout.textContent = fmt(v);
    current!.threshold = v;
    requestView(v);
  });
  const saveButton = custom("vscode-button", { id: "save-threshold" }, "Use this threshold in settings");
  saveButton.setAttribute("title", "Write it to steplens.prm.threshold");
  saveButton.addEventListener("click", () => post({ type: "saveThreshold", value: current!.threshold }));
  const load = custom("vscode-button", { secondary: "", id: "load-scores" }, "Load scores…");
  load.setAttribute("title", "Read step scores or predictions: the folder `steplens eval processbench --out` wrote, its raw.jsonl, or a predictions file");
  load.addEventListener("click", () => post({ type: "loadScores" }));
  controls.append(h("label", { text: "Threshold", attrs: { for: "threshold" } }), slider, readout, saveButton, load);
  const note = h("p", {
    cls: "meta",
    attrs: { id: "threshold-note" },
    text: `Settings: ${fmt(s.settingsThreshold)}${s.scored ? "" : " · no step scores: the slider needs scores (records scored in the editor, or an eval --out folder)"}`,
  });
  head.append(controls, note, h("p", { cls: "meta", attrs: { id: "latency" } }));
  root.appendChild(head);

  const tBin = Math.min(SCORE_BINS, Math.max(0, current.threshold * SCORE_BINS));
  root.appendChild(
    h(
      "section",
      { cls: "panel", attrs: { id: "scores", "aria-labelledby": "scores-h" } },
      h("h2", { text: "Lowest step score per trace: all-correct vs erroneous", attrs: { id: "scores-h" } }),
      s.scored
        ? histogram(
            [
              { name: "all-correct traces", cls: "series-correct", values: s.scoreHistogram.correct },
              { name: "erroneous traces", cls: "series-erroneous", values: s.scoreHistogram.erroneous },
            ],
            Array.from({ length: SCORE_BINS }, (_, i) => (i / SCORE_BINS).toFixed(2)),
            {
              caption: "Traces per lowest-step-score bin",
              yLabel: "traces",
              thresholdBin: tBin,
              thresholdText: `threshold ${fmt(current.threshold)}`,
              id: "score-chart",
            },
            (series, bin) => select({ kind: "score", group: series === 0 ? "correct" : "erroneous", bin }),
          )
        : h("p", {
            cls: "hint",
            text: "No step scores yet. Load the output of `steplens eval processbench --out DIR`, or open records (they are scored like any trace).",
          }),
    ),
  );
  root.appendChild(viewPart(s, s.view));
  root.appendChild(recordsPart(current.records));
  if (!reportedRender) {
    reportedRender = true;
    post({ type: "rendered", ms: performance.now() - started });
  }
}

/** Replaces the threshold-dependent part in place (the slider keeps focus). */
function applyView(view: ThresholdView): void {
  if (!current) return;
  current.summary = { ...current.summary, view };
  save();
  const old = document.getElementById("view");
  if (old) old.replaceWith(viewPart(current.summary, view));
  const line = document.querySelector("#score-chart .threshold");
  if (line) {
    // Move the score chart's threshold marker without redrawing the chart.
    const chart = document.getElementById("score-chart")!;
    const left = Number(chart.getAttribute("data-plot-left"));
    const right = Number(chart.getAttribute("data-plot-right"));
    const x = left + (right - left) * view.threshold;
    line.setAttribute("x1", String(x));
    line.setAttribute("x2", String(x));
    line.setAttribute("data-value", String(view.threshold));
    const label = line.nextElementSibling;
    if (label) {
      label.setAttribute("x", String(x + 3));
      label.textContent = `threshold ${fmt(view.threshold)}`;
    }
  }
}

window.addEventListener("message", (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isDashboardHostMessage(m)) return;
  if (m.type === "summary") {
    current = { summary: m.summary, threshold: m.summary.view.threshold, records: current?.summary.file === m.summary.file ? current.records : null };
    save();
    render();
  } else if (m.type === "view") {
    applyView(m.view);
    if (inFlight && Math.abs(inFlight.value - m.view.threshold) < 1e-9) {
      const ms = performance.now() - inFlight.at;
      latencies.push(ms);
      const el = document.getElementById("latency");
      if (el) {
        el.textContent = `slider → F1: ${ms.toFixed(1)} ms (host ${m.view.computeMs.toFixed(2)} ms)`;
        el.setAttribute("data-ms", ms.toFixed(2));
        el.setAttribute("data-count", String(latencies.length));
      }
      inFlight = null;
      if (queued !== null && Math.abs(queued - m.view.threshold) > 1e-9) {
        const next = queued;
        queued = null;
        requestView(next);
      } else queued = null;
    }
  } else if (m.type === "records") {
    if (!current) return;
    current.records = m;
    save();
    document.getElementById("records")?.replaceWith(recordsPart(m));
  } else if (m.type === "saved") {
    if (!current) return;
    current.summary = { ...current.summary, settingsThreshold: m.threshold };
    save();
    const note = document.getElementById("threshold-note");
    if (note) note.textContent = `Settings: ${fmt(m.threshold)} (saved)`;
  } else {
    current = null;
    root.replaceChildren(h("p", { cls: "empty", text: m.reason }));
    const load = custom("vscode-button", { id: "load-scores" }, "Load scores…");
    load.addEventListener("click", () => post({ type: "loadScores" }));
    root.appendChild(load);
  }
});
if (current) render();
post({ type: "ready" });
