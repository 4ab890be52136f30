import { test } from "node:test";
import assert from "node:assert/strict";
import {
  HEAT_BACKGROUNDS,
  HEAT_BUCKETS,
  HEAT_COLORS,
  HEAT_THEME_KINDS,
  allHeatIcons,
  contrastRatio,
  heatBucket,
  heatColor,
  heatColorContributions,
  heatIconDataUri,
  heatIconSvg,
  linearRgb,
} from "../../src/annotations/heatScale";
import { itemAt } from "../support/indexing";

test("buckets: half-open intervals of [0, 1], clamped, null for missing", () => {
  assert.deepEqual(
    [0, 0.19999, 0.2, 0.39, 0.4, 0.5, 0.6, 0.8, 0.99999, 1].map((v) => heatBucket(v)),
    [0, 0, 1, 1, 2, 2, 3, 4, 4, 4],
  );
  assert.deepEqual(
    [-0.5, 1.5, Number.NaN, null, undefined].map((v) => heatBucket(v)),
    [0, 4, null, null, null],
  );
  assert.equal(heatBucket(0.5, 2), 1);
  assert.equal(heatBucket(0.49, 2), 0);
});

test("palette: five colours per theme kind, each with enough contrast on its background", () => {
  for (const theme of HEAT_THEME_KINDS) {
    assert.equal(HEAT_COLORS[theme].length, HEAT_BUCKETS);
    const minimum = theme.startsWith("highContrast") ? 4.5 : 3;
    for (const c of HEAT_COLORS[theme]) {
      const ratio = contrastRatio(c, HEAT_BACKGROUNDS[theme]);
      assert.ok(ratio >= minimum, `${theme} ${c}: contrast ${ratio.toFixed(2)} < ${minimum}`);
    }
  }
  assert.equal(contrastRatio("#000000", "#ffffff").toFixed(1), "21.0");
  assert.equal(contrastRatio("#777777", "#ffffff").toFixed(2), "4.48");
});

// Machado, Oliveira & Fernandes (2009) full-severity simulation matrices, applied in linear RGB.
type Rgb = readonly [number, number, number];
const DEUTERANOPIA: readonly [Rgb, Rgb, Rgb] = [
  [0.367322, 0.860646, -0.227968],
  [0.280085, 0.672501, 0.047413],
  [-0.01182, 0.04294, 0.968881],
];
const PROTANOPIA: readonly [Rgb, Rgb, Rgb] = [
  [0.152286, 1.052583, -0.204868],
  [0.114503, 0.786281, 0.099216],
  [-0.003882, -0.048116, 1.051998],
];
const simulate = (hex: string, m: readonly [Rgb, Rgb, Rgb]): Rgb => {
  const l = linearRgb(hex);
  const apply = (row: Rgb) => Math.min(1, Math.max(0, row[0] * l[0] + row[1] * l[1] + row[2] * l[2]));
  return [apply(m[0]), apply(m[1]), apply(m[2])];
};
const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

test("palette: adjacent buckets stay distinguishable under simulated deuteranopia and protanopia", () => {
  for (const theme of HEAT_THEME_KINDS) {
    for (const [name, m] of [
      ["deuteranopia", DEUTERANOPIA],
      ["protanopia", PROTANOPIA],
    ] as const) {
      const sim = HEAT_COLORS[theme].map((c) => simulate(c, m));
      for (let b = 0; b + 1 < HEAT_BUCKETS; b++) {
        const d = distance(itemAt(sim, b, `${theme} bucket ${b}`), itemAt(sim, b + 1, `${theme} bucket ${b + 1}`));
        assert.ok(d >= 0.12, `${theme}, ${name}: buckets ${b} and ${b + 1} are too close (${d.toFixed(3)})`);
      }
    }
  }
});

test("icons: exact SVG, wider bars for worse buckets, deterministic data URIs", () => {
  assert.equal(
    heatIconSvg(0, "light"),
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><rect x="0" y="0" width="10" height="16" fill="#b35806"/></svg>',
  );
  assert.equal(
    heatIconSvg(4, "highContrast"),
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><rect x="0" y="0" width="3" height="16" fill="#47acff"/></svg>',
  );
  const uri = heatIconDataUri(2, "dark");
  assert.ok(uri.startsWith("data:image/svg+xml;base64,"));
  assert.equal(Buffer.from(uri.slice("data:image/svg+xml;base64,".length), "base64").toString("utf8"), heatIconSvg(2, "dark"));
  assert.equal(heatIconDataUri(2, "dark"), uri);
  const widths = [0, 1, 2, 3, 4].map((b) => Number(/<rect[^>]* width="(\d+)"/.exec(heatIconSvg(b, "dark"))![1]));
  assert.deepEqual(widths, [10, 8, 6, 4, 3]);
  const icons = allHeatIcons();
  assert.equal(icons.length, 20);
  assert.equal(new Set(icons.map((i) => i.fileName)).size, 20);
  assert.equal(icons[7]?.fileName, "heat-dark-2.svg");
  assert.throws(() => heatColor(5, "light"), RangeError);
  assert.throws(() => heatColor(1.5, "light"), RangeError);
});

test("theme colour contributions mirror the palette", () => {
  const c = heatColorContributions();
  assert.deepEqual(
    c.map((x) => x.id),
    ["steplens.heat0", "steplens.heat1", "steplens.heat2", "steplens.heat3", "steplens.heat4"],
  );
  assert.deepEqual(c[0]?.defaults, { light: "#b35806", dark: "#f28e2b", highContrast: "#ff8f1f", highContrastLight: "#6b2800" });
});
