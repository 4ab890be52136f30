/**
 * The run dashboard's charts as hand-written SVG markup (no chart library), from the numbers of
 * src/datasets/rewardLogDashboard.ts: reward over trainer steps (mean line, mean ± standard deviation
 * band, min–max whiskers), the share gated per reason code, the mean step count and response length
 * (padding shows as a rising line), and the judge's value distribution per step position (boxes:
 * 25–75 %, whiskers 10–90 %, median line). Every point carries `data-point` (and `data-code` on the
 * gated chart) for the click that lists its rollouts. The only text that comes from the log is the
 * reason codes and the file name; both are escaped. No trace text is ever put here. No `vscode`.
 */
import type { RunDashboardModel, RunPoint } from "../datasets/rewardLogDashboard";

const W = 640;
const H = 180;
const PAD = { left: 48, right: 12, top: 14, bottom: 28 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(2)) : 0);

function tickText(v: number): string {
  if (Math.abs(v) >= 1000) return `${Math.round(v / 100) / 10}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

interface Scale {
  x: (v: number) => number;
  y: (v: number) => number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function scale(x0: number, x1: number, y0: number, y1: number): Scale {
  if (x1 <= x0) x1 = x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  return { x: (v) => PAD.left + ((v - x0) / (x1 - x0)) * iw, y: (v) => PAD.top + ih - ((v - y0) / (y1 - y0)) * ih, x0, x1, y0, y1 };
}

function axes(s: Scale, xLabel: string, yLabel: string): string {
  const parts: string[] = [];
  const bottom = H - PAD.bottom;
  parts.push(`<line class="axis" x1="${PAD.left}" y1="${bottom}" x2="${W - PAD.right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${bottom}"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = s.y0 + ((s.y1 - s.y0) * i) / 4;
    const y = num(s.y(v));
    parts.push(`<line class="grid" x1="${PAD.left}" y1="${y}" x2="${W - PAD.right}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 4}" y="${y + 3}" text-anchor="end">${escapeXml(tickText(Number(v.toPrecision(3))))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const v = Math.round(s.x0 + ((s.x1 - s.x0) * i) / 5);
    parts.push(`<text class="tick" x="${num(s.x(v))}" y="${bottom + 12}" text-anchor="middle">${escapeXml(tickText(v))}</text>`);
  }
  parts.push(`<text class="label" x="${W - PAD.right}" y="${H - 2}" text-anchor="end">${escapeXml(xLabel)}</text>`);
  parts.push(`<text class="label" x="4" y="10">${escapeXml(yLabel)}</text>`);
  return parts.join("");
}

function svg(id: string, title: string, body: string): string {
  return `<figure><figcaption>${escapeXml(title)}</figcaption><svg id="${id}" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${body}</svg></figure>`;
}

const xMid = (p: RunPoint) => (p.x + p.xEnd) / 2;

function line(points: RunPoint[], s: Scale, value: (p: RunPoint) => number, cls: string): string {
  const d = points
    .filter((p) => Number.isFinite(value(p)))
    .map((p, i) => `${i ? "L" : "M"}${num(s.x(xMid(p)))} ${num(s.y(value(p)))}`)
    .join(" ");
  return d ? `<path class="${cls}" d="${d}"/>` : "";
}

function dots(points: RunPoint[], s: Scale, value: (p: RunPoint) => number, cls: string, code?: string): string {
  return points
    .map((p, i) =>
      Number.isFinite(value(p))
        ? `<circle class="${cls} point" cx="${num(s.x(xMid(p)))}" cy="${num(s.y(value(p)))}" r="3.5" data-point="${i}"${code ? ` data-code="${escapeXml(code)}"` : ""}><title>${escapeXml(
            `${p.x === p.xEnd ? p.x : `${p.x}–${p.xEnd}`}: ${num(value(p))} (${p.n} rollouts; click to list them)`,
          )}</title></circle>`
        : "",
    )
    .join("");
}

function rewardChart(m: RunDashboardModel, xs: [number, number]): string {
  const pts = m.points.filter((p) => p.n > 0 && Number.isFinite(p.mean));
  const lo = Math.min(0, ...pts.map((p) => p.min));
  const hi = Math.max(1, ...pts.map((p) => p.max));
  const s = scale(xs[0], xs[1], lo, hi);
  const band =
    pts.length > 1
      ? `<path class="band" d="${[
          ...pts.map((p, i) => `${i ? "L" : "M"}${num(s.x(xMid(p)))} ${num(s.y(p.mean + p.sd))}`),
          ...[...pts].reverse().map((p) => `L${num(s.x(xMid(p)))} ${num(s.y(p.mean - p.sd))}`),
          "Z",
        ].join(" ")}"/>`
      : "";
  const whiskers = pts
    .map((p) => `<line class="whisker" x1="${num(s.x(xMid(p)))}" y1="${num(s.y(p.min))}" x2="${num(s.x(xMid(p)))}" y2="${num(s.y(p.max))}"/>`)
    .join("");
  return svg(
    "chart-reward",
    "Reward over training: mean, ± 1 standard deviation (band), min–max (whiskers)",
    axes(s, m.xLabel, "reward") + band + whiskers + line(pts, s, (p) => p.mean, "mean") + dots(m.points, s, (p) => p.mean, "mean"),
  );
}

function gatedChart(m: RunDashboardModel, xs: [number, number]): string {
  const s = scale(xs[0], xs[1], 0, 1);
  let body = axes(s, m.xLabel, "share gated");
  const legend: string[] = [];
  m.codes.forEach((code, k) => {
    const cls = `series-${k % 8}`;
    body += line(m.points, s, (p) => p.gatedBy[code] ?? 0, `code ${cls}`);
    body += dots(m.points, s, (p) => p.gatedBy[code] ?? 0, `code ${cls}`, code);
    legend.push(`<text class="legend ${cls}" x="${PAD.left + 8 + k * 130}" y="${PAD.top + 4}">■ ${escapeXml(code)}</text>`);
  });
  if (!m.codes.length) body += `<text class="label" x="${W / 2}" y="${H / 2}" text-anchor="middle">no rollout was gated</text>`;
  return svg("chart-gated", "Share of rollouts gated, per reason code", body + legend.join(""));
}

function meanChart(id: string, title: string, yLabel: string, m: RunDashboardModel, xs: [number, number], value: (p: RunPoint) => number): string {
  const vals = m.points.map(value).filter(Number.isFinite);
  const s = scale(xs[0], xs[1], 0, Math.max(1, ...vals) * 1.05);
  return svg(id, title, axes(s, m.xLabel, yLabel) + line(m.points, s, value, "mean") + dots(m.points, s, value, "mean"));
}

function positionChart(m: RunDashboardModel): string {
  const ps = m.positions.filter((p) => p.n > 0);
  const count = Math.max(1, m.positions.length);
  const s = scale(0.5, count + 0.5, 0, 1);
  const bw = Math.max(4, Math.min(24, (W - PAD.left - PAD.right) / count / 2));
  const boxes = ps
    .map((p) => {
      const x = num(s.x(p.position));
      return (
        `<g class="box"><title>${escapeXml(`step ${p.position}${p.position === m.positions.length && m.positions.length >= 24 ? "+" : ""}: median ${num(p.p50)}, 25–75 % ${num(p.p25)}–${num(p.p75)}, ${p.n} values`)}</title>` +
        `<line class="whisker" x1="${x}" y1="${num(s.y(p.p10))}" x2="${x}" y2="${num(s.y(p.p90))}"/>` +
        `<rect class="iqr" x="${num(x - bw / 2)}" y="${num(s.y(p.p75))}" width="${num(bw)}" height="${num(Math.max(1, s.y(p.p25) - s.y(p.p75)))}"/>` +
        `<line class="median" x1="${num(x - bw / 2)}" y1="${num(s.y(p.p50))}" x2="${num(x + bw / 2)}" y2="${num(s.y(p.p50))}"/></g>`
      );
    })
    .join("");
  return svg("chart-positions", "Judge value per step position (box 25–75 %, whiskers 10–90 %, line: median)", axes(s, "step position", "judge value") + boxes);
}

/** The dashboard's body markup (charts and a summary line). */
export function runDashboardMarkup(m: RunDashboardModel): string {
  if (m.total === 0) return `<p class="empty">No rollouts in ${escapeXml(m.file)} yet: waiting for the trainer.</p>`;
  const xs: [number, number] = m.points.length ? [m.points[0]!.x, m.points[m.points.length - 1]!.xEnd] : [0, 1];
  const note = m.withoutStep ? ` · ${m.withoutStep} rollouts without a trainer step are left off the step charts` : "";
  return [
    `<p class="summary">${escapeXml(`${m.total} rollouts · ${m.points.length} points on ${m.xLabel}${note}`)}</p>`,
    rewardChart(m, xs),
    gatedChart(m, xs),
    meanChart("chart-steps", "Step count (mean)", "steps", m, xs, (p) => p.meanSteps),
    meanChart("chart-length", "Response length in characters (mean)", "chars", m, xs, (p) => p.meanResponseLength),
    positionChart(m),
  ].join("\n");
}
