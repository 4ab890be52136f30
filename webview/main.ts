/**
 * The StepLens inspector: charts of a trace's step scores and of how the verifier ensemble agreed,
 * and a table of steps. Runs in a webview with a strict CSP; talks to the host by messages only.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-tabs/index.js";
import "@vscode-elements/elements/dist/vscode-tab-header/index.js";
import "@vscode-elements/elements/dist/vscode-tab-panel/index.js";
import "@vscode-elements/elements/dist/vscode-badge/index.js";
import type { HostToWebview, InspectorState, WebviewToHost } from "../src/inspector/protocol";
import { agreementChart, scoreChart } from "./charts";

declare function acquireVsCodeApi(): { postMessage(m: WebviewToHost): void; setState(s: unknown): void; getState(): unknown };
const vscode = acquireVsCodeApi();
const root = document.getElementById("root")!;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text; // never innerHTML: trace text is untrusted
  if (cls) e.className = cls;
  return e;
}

function custom(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const reveal = (step: number) => vscode.postMessage({ type: "reveal", step });

function stepsTable(state: InspectorState): HTMLTableElement {
  const table = h("table", undefined, "steps");
  const head = table.createTHead().insertRow();
  for (const c of ["#", "PRM", "Verifiers", "Label", "Step"]) head.appendChild(h("th", c));
  const body = table.createTBody();
  for (const s of state.steps) {
    const row = body.insertRow();
    if (s.isFirstError) row.className = "first-error-row";
    row.appendChild(h("td", String(s.index + 1)));
    row.appendChild(h("td", s.score == null ? "—" : s.score.toFixed(2)));
    row.appendChild(h("td", s.verdicts ? `${s.verdicts.incorrect}/${state.samples ?? "?"} ✗` : "—"));
    row.appendChild(h("td", s.label ?? ""));
    row.appendChild(h("td", s.preview, "preview"));
    row.tabIndex = 0;
    row.addEventListener("click", () => reveal(s.index));
  }
  return table;
}

function render(state: InspectorState): void {
  root.replaceChildren();
  const header = h("header");
  header.appendChild(h("h1", state.title));
  const meta = h("p", undefined, "meta");
  meta.textContent = `${state.steps.length} steps · threshold ${state.threshold.toFixed(2)}${state.model ? ` · ${state.model}` : ""}` +
    (state.firstError >= 0 ? ` · first error: step ${state.firstError + 1}` : " · no error found");
  header.appendChild(meta);
  if (state.demo) header.appendChild(custom("vscode-badge", { variant: "counter" }, "demo: scores are meaningless"));
  const actions = h("div", undefined, "actions");
  const score = custom("vscode-button", {}, "Score");
  score.addEventListener("click", () => vscode.postMessage({ type: "run", action: "score" }));
  const verify = custom("vscode-button", { secondary: "" }, "Verify");
  verify.addEventListener("click", () => vscode.postMessage({ type: "run", action: "verify" }));
  actions.append(score, verify);
  header.appendChild(actions);
  root.appendChild(header);

  const tabs = custom("vscode-tabs", { panel: "" });
  const addTab = (label: string, content: Node) => {
    tabs.appendChild(custom("vscode-tab-header", { slot: "header" }, label));
    const panel = custom("vscode-tab-panel");
    panel.appendChild(content);
    tabs.appendChild(panel);
  };
  addTab("Scores", scoreChart(state, reveal));
  addTab("Verifier agreement", state.samples ? agreementChart(state, reveal) : h("p", "No verification yet: run “Verify” to see how K verifiers voted per step."));
  addTab("Steps", stepsTable(state));
  root.appendChild(tabs);
}

window.addEventListener("message", (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  if (m?.type === "state") {
    vscode.setState(m.state);
    render(m.state);
  } else if (m?.type === "empty") {
    root.replaceChildren(h("p", m.reason, "empty"));
  }
});
const saved = vscode.getState() as InspectorState | undefined;
if (saved?.steps) render(saved);
vscode.postMessage({ type: "ready" });
