/**
 * DOM helpers for the StepLens webviews. Text goes in with textContent only (never innerHTML: trace
 * text is untrusted); SVG is built with createElementNS.
 */

export const SVG_NS = "http://www.w3.org/2000/svg";

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; cls?: string; attrs?: Record<string, string> } = {},
  ...children: (Node | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.cls) e.className = props.cls;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) e.setAttribute(k, v);
  if (props.text !== undefined) e.textContent = props.text;
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

/** A custom element (vscode-elements) with attributes and text. */
export function custom(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function svg<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

export function svgTitle(parent: Element, text: string): void {
  svg("title", {}, parent).textContent = text;
}

/** "—" for null, else the number with `digits` decimals. */
export function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

/** "step 3" / "no error" / "—" for a 0-based first error. */
export function firstErrorText(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return v < 0 ? "no error" : `step ${v + 1}`;
}

/**
 * Roving focus over `items` (one Tab stop; arrows move; Enter/Space activate with a click). With
 * `columns`, Up/Down move by a row (a grid); Home/End go to the row's ends.
 */
export function rovingFocus(items: readonly Element[], opts: { columns?: number; initial?: number } = {}): void {
  if (!items.length) return;
  const cols = opts.columns ?? items.length;
  let current = Math.min(Math.max(0, opts.initial ?? 0), items.length - 1);
  items.forEach((el, i) => {
    el.setAttribute("tabindex", i === current ? "0" : "-1");
    el.addEventListener("focus", () => {
      items[current]?.setAttribute("tabindex", "-1");
      current = i;
      el.setAttribute("tabindex", "0");
    });
    el.addEventListener("keydown", (ev) => {
      const e = ev as KeyboardEvent;
      let next = -1;
      const row = Math.floor(i / cols);
      if (e.key === "ArrowRight") next = Math.min(items.length - 1, i + 1);
      else if (e.key === "ArrowLeft") next = Math.max(0, i - 1);
      else if (e.key === "ArrowDown" && opts.columns) next = i + cols < items.length ? i + cols : i;
      else if (e.key === "ArrowUp" && opts.columns) next = i - cols >= 0 ? i - cols : i;
      else if (e.key === "Home") next = row * cols;
      else if (e.key === "End") next = Math.min(items.length - 1, row * cols + cols - 1);
      else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        el.dispatchEvent(new MouseEvent("click", { bubbles: true }));
        return;
      }
      if (next >= 0 && next !== i) {
        e.preventDefault();
        (items[next] as HTMLElement | SVGElement).focus();
      }
    });
  });
}
