/**
 * The colour scale of the gutter heat strip, and the small SVG icons that draw it. No `vscode` import.
 *
 * Five buckets from "looks wrong" (0) to "looks right" (4) on a blue→orange diverging scale (no
 * red/green pair: readable with the common colour-vision deficiencies), one palette per theme kind:
 * light, dark, high contrast (dark) and high contrast light. Colour is never the only cue: the bar is
 * wider the worse the step looks, so the strip also reads in greyscale.
 *
 * Every colour has at least 3:1 contrast against its theme's editor background (WCAG 1.4.11 for
 * graphical objects), 4.5:1 in the high-contrast themes; adjacent buckets stay apart under simulated
 * deuteranopia and protanopia. The unit tests check all three.
 */

export const HEAT_BUCKETS = 5;

export type HeatThemeKind = "light" | "dark" | "highContrast" | "highContrastLight";
export const HEAT_THEME_KINDS: readonly HeatThemeKind[] = ["light", "dark", "highContrast", "highContrastLight"];

/** Default editor background of each theme kind (what the contrast figures are computed against). */
export const HEAT_BACKGROUNDS: Readonly<Record<HeatThemeKind, string>> = {
  light: "#ffffff",
  dark: "#1e1e1e",
  highContrast: "#000000",
  highContrastLight: "#ffffff",
};

/** Colours per theme kind, bucket 0 (worst) to 4 (best). */
export const HEAT_COLORS: Readonly<Record<HeatThemeKind, readonly string[]>> = {
  light: ["#b35806", "#d97b1a", "#8c8c8c", "#4a90c2", "#1f5fa0"],
  dark: ["#f28e2b", "#f5c17a", "#8f8f8f", "#8cc2e8", "#3f9be0"],
  highContrast: ["#ff8f1f", "#ffc983", "#b3b3b3", "#9fd3ff", "#47acff"],
  highContrastLight: ["#6b2800", "#b35900", "#5c5c5c", "#1d63b0", "#0a2f5c"],
};

/** What each bucket means, for legends and hovers. */
export const HEAT_BUCKET_NAMES: readonly string[] = ["very low", "low", "middling", "high", "very high"];

/** Bar width (of 16 px) per bucket: the worse the step, the wider the bar. */
export const HEAT_BAR_WIDTHS: readonly number[] = [10, 8, 6, 4, 3];

/**
 * The bucket of a value in [0, 1] (a PRM score, or the share of verifiers that said "correct"):
 * `floor(value · n)`, with 1 in the top bucket. Values outside [0, 1] are clamped; NaN and null give null.
 * Buckets are half-open, so with 5 buckets 0.2 is bucket 1 and 0.1999 bucket 0.
 */
export function heatBucket(value: number | null | undefined, buckets: number = HEAT_BUCKETS): number | null {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const v = Math.min(1, Math.max(0, value));
  return Math.min(buckets - 1, Math.floor(v * buckets));
}

export function heatColor(bucket: number, theme: HeatThemeKind): string {
  const colors = HEAT_COLORS[theme];
  const color = Number.isInteger(bucket) ? colors[bucket] : undefined; // undefined outside 0..length-1
  if (color === undefined) throw new RangeError(`heat bucket ${bucket} is outside 0..${colors.length - 1}`);
  return color;
}

/**
 * The gutter icon of one bucket: a 16×16 SVG with one full-height bar at the left edge of the gutter
 * (full height, so consecutive lines of one step join into a continuous strip). Deterministic: the
 * same bucket and theme always give the same string.
 */
export function heatIconSvg(bucket: number, theme: HeatThemeKind): string {
  const color = heatColor(bucket, theme);
  const width = HEAT_BAR_WIDTHS[bucket];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><rect x="0" y="0" width="${width}" height="16" fill="${color}"/></svg>`;
}

/** The icon as a `data:` URI (base64), usable as a gutter icon path (`Uri.parse`). */
export function heatIconDataUri(bucket: number, theme: HeatThemeKind): string {
  return `data:image/svg+xml;base64,${Buffer.from(heatIconSvg(bucket, theme), "utf8").toString("base64")}`;
}

/** File name for a bucket's icon when the adapter prefers files in its storage folder. */
export function heatIconFileName(bucket: number, theme: HeatThemeKind): string {
  return `heat-${theme}-${bucket}.svg`;
}

/** All icons, one per theme kind and bucket, as `{fileName, svg}` (for writing them out once). */
export function allHeatIcons(): { theme: HeatThemeKind; bucket: number; fileName: string; svg: string }[] {
  const out: { theme: HeatThemeKind; bucket: number; fileName: string; svg: string }[] = [];
  for (const theme of HEAT_THEME_KINDS)
    for (let bucket = 0; bucket < HEAT_BUCKETS; bucket++)
      out.push({ theme, bucket, fileName: heatIconFileName(bucket, theme), svg: heatIconSvg(bucket, theme) });
  return out;
}

/**
 * Theme colour contributions (`contributes.colors` in package.json) for the end-of-line score text
 * and the overview ruler, so themes can override them: ids `steplens.heat0` … `steplens.heat4`.
 */
export function heatColorContributions(): {
  id: string;
  description: string;
  defaults: { light: string; dark: string; highContrast: string; highContrastLight: string };
}[] {
  return HEAT_BUCKET_NAMES.map((name, bucket) => ({
    id: `steplens.heat${bucket}`,
    description: `StepLens heat scale, bucket ${bucket} of ${HEAT_BUCKETS - 1}: steps whose score is ${name}.`,
    defaults: {
      light: heatColor(bucket, "light"),
      dark: heatColor(bucket, "dark"),
      highContrast: heatColor(bucket, "highContrast"),
      highContrastLight: heatColor(bucket, "highContrastLight"),
    },
  }));
}

// ---- colour arithmetic (exported for the tests and for anyone tuning the palette) ----

/** sRGB hex (#rrggbb) → linear RGB in [0, 1]. */
export function linearRgb(hex: string): [number, number, number] {
  const [, r, g, b] = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) ?? [];
  if (r === undefined || g === undefined || b === undefined) throw new Error(`not a #rrggbb colour: ${hex}`);
  const lin = (h: string): number => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return [lin(r), lin(g), lin(b)];
}

/** WCAG relative luminance. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = linearRgb(hex);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio between two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const x = relativeLuminance(a);
  const y = relativeLuminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
