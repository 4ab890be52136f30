/**
 * SVG charts for the inspector, built with DOM APIs (createElementNS + textContent): no HTML
 * strings, so untrusted step text can never become markup.
 */
import type { InspectorState } from "../src/inspector/protocol";

const SVG = "http://www.w3.org/2000/svg";

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

function title(parent: Element, text: string): void {
  el("title", {}, parent).textContent = text;
}

/** Bucket 0 (low) … 4 (high), matching the gutter heat strip. */
export function heatBucket(score: number): number {
  return Math.min(4, Math.max(0, Math.floor(score * 5)));
}

interface Layout {
  width: number;
  height: number;
  pad: { left: number; right: number; top: number; bottom: number };
}

function frame(state: InspectorState, caption: string, yLabel: string): { svg: SVGSVGElement; x: (i: number) => number; bw: number; y: (v: number) => number; layout: Layout } {
  const n = Math.max(1, state.steps.length);
  const layout: Layout = { width: Math.max(320, Math.min(1200, 40 + n * 22)), height: 180, pad: { left: 36, right: 8, top: 14, bottom: 26 } };
  const { width, height, pad } = layout;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", class: "chart" });
  el("desc", {}, svg).textContent = caption;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const bw = plotW / n;
  const x = (i: number) => pad.left + i * bw;
  const y = (v: number) => pad.top + plotH * (1 - v);
  // axes and grid
  for (const v of [0, 0.5, 1]) {
    el("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }, svg);
    el("text", { x: pad.left - 4, y: y(v) + 3, class: "tick", "text-anchor": "end" }, svg).textContent = v.toFixed(1);
  }
  const every = Math.ceil(n / 20);
  state.steps.forEach((s, i) => {
    if (i % every === 0) el("text", { x: x(i) + bw / 2, y: height - 8, class: "tick", "text-anchor": "middle" }, svg).textContent = String(s.index + 1);
  });
  el("text", { x: 4, y: 10, class: "axis-label" }, svg).textContent = yLabel;
  return { svg, x, bw, y, layout };
}

/** PRM score per step, the threshold as a dashed line, the first error outlined. */
export function scoreChart(state: InspectorState, onPick: (step: number) => void): SVGSVGElement {
  const { svg, x, bw, y, layout } = frame(state, "PRM score per step", "P(correct)");
  state.steps.forEach((s, i) => {
    const g = el("g", { class: "bar", tabindex: 0, "data-step": s.index }, svg);
    const v = s.score ?? 0;
    el("rect", {
      x: x(i) + 1, y: y(v), width: Math.max(1, bw - 2), height: Math.max(0, y(0) - y(v)),
      class: s.score == null ? "unscored" : `heat-${heatBucket(v)}${s.isFirstError ? " first-error" : ""}`,
    }, g);
    title(g, `Step ${s.index + 1}: ${s.score == null ? "not scored" : s.score.toFixed(2)}${s.isFirstError ? " (first error)" : ""}${state.demo ? " — demo: scores are meaningless" : ""}`);
    g.addEventListener("click", () => onPick(s.index));
    g.addEventListener("keydown", (e) => { if ((e as KeyboardEvent).key === "Enter") onPick(s.index); });
  });
  el("line", { x1: layout.pad.left, x2: layout.width - layout.pad.right, y1: y(state.threshold), y2: y(state.threshold), class: "threshold" }, svg);
  return svg;
}

/** How the verifier ensemble voted per step: incorrect / correct / no verdict, stacked, with the τ·K line. */
export function agreementChart(state: InspectorState, onPick: (step: number) => void): SVGSVGElement {
  const k = Math.max(1, state.samples ?? 1);
  const { svg, x, bw, y, layout } = frame(state, `Verifier votes per step (K = ${k})`, "share of K");
  state.steps.forEach((s, i) => {
    const g = el("g", { class: "bar", tabindex: 0, "data-step": s.index }, svg);
    const v = s.verdicts ?? { incorrect: 0, correct: 0, missing: k };
    let acc = 0;
    for (const [kind, count] of [["incorrect", v.incorrect], ["correct", v.correct], ["missing", v.missing]] as const) {
      const h = count / k;
      el("rect", { x: x(i) + 1, y: y(acc + h), width: Math.max(1, bw - 2), height: Math.max(0, y(acc) - y(acc + h)), class: `vote-${kind}` }, g);
      acc += h;
    }
    title(g, `Step ${s.index + 1}: ${v.incorrect} of ${k} incorrect, ${v.correct} correct, ${v.missing} no verdict`);
    g.addEventListener("click", () => onPick(s.index));
  });
  el("line", { x1: layout.pad.left, x2: layout.width - layout.pad.right, y1: y(state.tau), y2: y(state.tau), class: "threshold" }, svg);
  return svg;
}
