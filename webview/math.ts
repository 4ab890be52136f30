/**
 * Step text with its LaTeX rendered by KaTeX (bundled; fonts and CSS from dist/ through
 * asWebviewUri, no network). Safe mode: `trust: false` (no \href, \url, \includegraphics, \html*),
 * bounded macro expansion and sizes; KaTeX builds DOM nodes itself (katex.render, no HTML string
 * parsing), so the strict CSP holds. Any rendering error falls back to the source text.
 */
import katex from "katex";
import { capRenderedText, splitMath } from "../src/inspector/mathSegments";

const OPTIONS = {
  throwOnError: true,
  trust: false,
  strict: "ignore" as const,
  maxSize: 20,
  maxExpand: 500,
  output: "htmlAndMathml" as const,
};

/**
 * Appends `text` to `parent`: text segments as text nodes, math rendered (or its source on error).
 * Text past MAX_RENDERED_TEXT characters is cut off with a note (a 3 MB step would freeze the view).
 */
export function appendWithMath(parent: HTMLElement, text: string): { math: number; failed: number } {
  let math = 0;
  let failed = 0;
  for (const seg of splitMath(capRenderedText(text))) {
    if (seg.kind === "text") {
      parent.appendChild(document.createTextNode(seg.text));
      continue;
    }
    const span = document.createElement("span");
    span.className = seg.display ? "math math-display" : "math";
    try {
      katex.render(seg.tex, span, { ...OPTIONS, displayMode: seg.display });
      span.setAttribute("data-tex", seg.tex);
      math++;
    } catch {
      span.replaceChildren(document.createTextNode(seg.source));
      span.className = "math-error";
      span.title = "This formula could not be rendered; its source is shown.";
      failed++;
    }
    parent.appendChild(span);
  }
  return { math, failed };
}
