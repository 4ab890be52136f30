/**
 * The StepLens trace inspector: the step-score chart (threshold, first error by each source), the
 * K verifiers × steps agreement matrix with each verifier's critique, PAV progress when computed, and
 * the steps in full with their LaTeX rendered. Runs in a webview with a strict CSP; talks to the host
 * by validated messages only (src/inspector/protocol.ts). State survives hiding and reloads
 * (vscode.setState; the host's panel serializer restores the panel).
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-badge/index.js";
import { isInspectorHostMessage, type InspectorState, type InspectorWebviewMessage, type LabelChoice } from "../src/inspector/protocol";
import { agreementMatrix, progressChart, scoreChart } from "./charts";
import { custom, firstErrorText, fmt, h } from "./dom";
import { appendWithMath } from "./math";

interface Saved {
  state: InspectorState;
  selected: number;
  cell: { verifier: number; step: number } | null;
}
declare function acquireVsCodeApi(): { postMessage(m: InspectorWebviewMessage): void; setState(s: Saved): void; getState(): Saved | undefined };
const vscode = acquireVsCodeApi();
const root = document.getElementById("root")!;
const started = performance.now();
let reportedRender = false;

const restored = vscode.getState() as Partial<Saved> | undefined;
let current: Saved | null =
  restored?.state && Array.isArray(restored.state.steps) ? { state: restored.state, selected: restored.selected ?? 0, cell: restored.cell ?? null } : null;
const post = (m: InspectorWebviewMessage) => vscode.postMessage(m);

function save(): void {
  if (current) vscode.setState(current);
}

function select(step: number, opts: { reveal?: boolean; scroll?: boolean } = {}): void {
  if (!current) return;
  current.selected = step;
  save();
  render();
  if (opts.reveal) post({ type: "reveal", step });
  if (opts.scroll) document.getElementById(`step-${step}`)?.scrollIntoView({ block: "nearest" });
}

function section(id: string, title: string, ...content: (Node | null)[]): HTMLElement {
  return h("section", { cls: "panel", attrs: { id, "aria-labelledby": `${id}-h` } }, h("h2", { text: title, attrs: { id: `${id}-h` } }), ...content);
}

function header(s: InspectorState): HTMLElement {
  const meta =
    `${s.steps.length} steps · threshold ${fmt(s.threshold)}${s.model ? ` · ${s.model}` : ""}` +
    (s.firstError >= 0
      ? ` · first error: step ${s.firstError + 1}${s.firstErrorSource ? ` (${s.firstErrorSource === "prm" ? "PRM" : s.firstErrorSource})` : ""}`
      : " · no error found");
  const sources = h("p", { cls: "sources" });
  const part = (name: string, v: number | null, cls: string) => {
    if (v === null) return;
    sources.append(h("span", { cls: `swatch ${cls}` }), h("span", { text: `${name}: ${firstErrorText(v)}`, attrs: { "data-source": cls } }));
  };
  part("Dataset", s.groundTruthFirstError, "marker-truth");
  part("Your label", s.labelFirstError, "marker-label");
  part("PRM", s.prmFirstError, "marker-prm");
  if (s.matrix) part("Verifiers", s.matrix.firstError, "marker-verifiers");
  const disagree = [s.groundTruthFirstError, s.labelFirstError, s.prmFirstError, s.matrix?.firstError ?? null].filter((v): v is number => v !== null);
  if (new Set(disagree).size > 1) sources.append(h("strong", { cls: "disagree", text: "sources disagree" }));

  const actions = h("div", { cls: "actions", attrs: { role: "toolbar", "aria-label": "Trace actions" } });
  const button = (label: string, action: "score" | "verify" | "progress", enabled: boolean, secondary: boolean, hint: string) => {
    const b = custom("vscode-button", secondary ? { secondary: "" } : {}, label);
    b.setAttribute("title", hint);
    b.setAttribute("aria-label", hint);
    if (!enabled) b.setAttribute("disabled", "");
    b.addEventListener("click", () => post({ type: "run", action }));
    actions.appendChild(b);
  };
  button("Re-score", "score", s.actions.score, false, "Score the trace again with the PRM (StepLens: Score Trace)");
  button(`Verify ×K`, "verify", s.actions.verify, true, "Run K verifiers over the trace (StepLens: Verify Trace)");
  button(
    "Estimate progress",
    "progress",
    s.actions.progress,
    true,
    s.actions.progress ? "Estimate each step's progress with prover rollouts (PAV)" : "Progress estimation is not available in this build",
  );
  const head = h("header", {}, h("h1", { text: s.title }), h("p", { cls: "meta", text: meta }));
  if (s.demo) head.appendChild(custom("vscode-badge", { variant: "counter" }, "demo: scores are meaningless"));
  head.append(sources, actions);
  return head;
}

function critiquePanel(s: InspectorState, cell: Saved["cell"]): HTMLElement {
  const box = h("div", { cls: "critique", attrs: { id: "critique", "aria-live": "polite" } });
  if (!s.matrix || !cell) {
    box.appendChild(
      h("p", { cls: "hint", text: "Click a cell (or move to it with the arrow keys and press Enter) to read that verifier's critique of that step." }),
    );
    return box;
  }
  const row = s.matrix.rows.find((r) => r.verifier === cell.verifier);
  const c = row?.cells[cell.step];
  if (!row || !c) return box;
  const chosen = row.verifier === s.matrix.explanation;
  box.appendChild(
    h("h3", {
      text: `Verifier ${row.verifier + 1}${chosen ? " — the explanation" : ""}, step ${cell.step + 1}: ${c.verdict === "not-given" ? "no verdict" : c.verdict}`,
    }),
  );
  // Plain text: the critique is model output.
  box.appendChild(
    h("p", {
      cls: "critique-text",
      text: c.critique || (c.verdict === "malformed" ? "This verification could not be parsed; it gave no verdicts." : "No critique for this step."),
    }),
  );
  return box;
}

function stepCard(s: InspectorState, st: InspectorState["steps"][number], i: number, selected: boolean): HTMLElement {
  const tags: string[] = [];
  if (st.score !== null) tags.push(`PRM ${st.scoreText ?? fmt(st.score)}`);
  if (st.verdicts && s.samples) tags.push(`${st.verdicts.incorrect}/${s.samples} verifiers ✗`);
  if (st.label) tags.push(`label: ${st.label}`);
  if (st.groundTruth !== null) tags.push(`dataset: ${st.groundTruth ? "correct" : "wrong"}`);
  if (s.groundTruthFirstError === i) tags.push("dataset first error");
  if (st.isFirstError) tags.push("first error");
  const card = h("article", {
    cls: `step verdict-${st.verdict}${st.isFirstError ? " first-error" : ""}${selected ? " selected" : ""}`,
    attrs: {
      id: `step-${i}`,
      tabindex: "0",
      role: "button",
      "aria-current": selected ? "true" : "false",
      "aria-label": `Step ${i + 1}${tags.length ? `: ${tags.join(", ")}` : ""}. Enter reveals it in the editor.`,
    },
  });
  const title = h("h3", {}, h("span", { text: `Step ${i + 1}` }), h("span", { cls: "tags", text: tags.join(" · ") }));
  const body = h("div", { cls: "step-text" });
  appendWithMath(body, st.text);
  card.append(title, body);
  card.addEventListener("click", (e) => {
    if ((e.target as HTMLElement).closest(".label-actions")) return;
    select(i, { reveal: true });
  });
  card.addEventListener("keydown", (e) => {
    if (e.target !== card) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      select(i, { reveal: true });
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = Math.max(0, Math.min(s.steps.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)));
      document.getElementById(`step-${next}`)?.focus();
    }
  });
  if (selected && s.actions.label) {
    const bar = h("div", { cls: "label-actions", attrs: { role: "toolbar", "aria-label": `Label step ${i + 1}` } });
    const choices: [LabelChoice, string][] = [
      ["correct", "Mark correct"],
      ["incorrect", "Mark incorrect"],
      ["first-error", "Mark first error"],
      ["clear", "Clear label"],
    ];
    for (const [label, text] of choices) {
      if (label === "clear" && !st.label) continue;
      const b = custom("vscode-button", { secondary: "" }, text);
      b.setAttribute("data-label", label);
      b.addEventListener("click", () => post({ type: "label", step: i, label }));
      bar.appendChild(b);
    }
    card.appendChild(bar);
  }
  return card;
}

function render(): void {
  if (!current) return;
  const { state: s } = current;
  const selected = Math.min(current.selected, s.steps.length - 1);
  const focusedId = document.activeElement?.id;
  const focusedStep = (document.activeElement as HTMLElement | null)?.dataset?.step;
  const focusedKind = document.activeElement?.closest("section")?.id;
  root.replaceChildren();
  root.appendChild(header(s));
  root.appendChild(
    section(
      "scores",
      "Step scores",
      scoreChart(s, selected, (i) => select(i, { reveal: true, scroll: true })),
    ),
  );
  if (s.matrix) {
    root.appendChild(
      section(
        "agreement",
        "Verifier agreement",
        agreementMatrix(s.matrix, current.cell, (verifier, step) => {
          current!.cell = { verifier, step };
          current!.selected = step;
          save();
          render();
        }),
        critiquePanel(s, current.cell),
      ),
    );
  } else {
    root.appendChild(
      section(
        "agreement",
        "Verifier agreement",
        h("p", { cls: "hint", text: "No verification yet: “Verify ×K” runs K verifiers and shows each one's verdict per step here." }),
      ),
    );
  }
  if (s.progress)
    root.appendChild(
      section(
        "progress",
        "Progress (PAV)",
        progressChart(s.progress, (i) => select(i, { reveal: true, scroll: true })),
      ),
    );
  const problem = h("div", { cls: "problem" });
  appendWithMath(problem, s.problem);
  const list = h("div", { cls: "steps", attrs: { role: "list" } });
  s.steps.forEach((st, i) => list.appendChild(stepCard(s, st, i, i === selected)));
  root.appendChild(section("steps", "Steps", h("details", { attrs: { open: "" } }, h("summary", { text: "Problem" }), problem), list));
  // Keep the keyboard where it was across re-renders.
  const again = focusedId
    ? document.getElementById(focusedId)
    : focusedKind && focusedStep !== undefined
      ? document.querySelector<HTMLElement>(`#${focusedKind} [data-step="${focusedStep}"][tabindex="0"]`)
      : null;
  again?.focus({ preventScroll: true });
  if (!reportedRender) {
    reportedRender = true;
    post({ type: "rendered", ms: performance.now() - started });
  }
}

window.addEventListener("message", (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isInspectorHostMessage(m)) return;
  if (m.type === "state") {
    const sameTrace = current?.state.uri === m.state.uri;
    current = { state: m.state, selected: sameTrace ? current!.selected : Math.max(0, m.state.firstError), cell: sameTrace ? current!.cell : null };
    if (
      current.cell &&
      (!m.state.matrix || !m.state.matrix.rows.some((r) => r.verifier === current!.cell!.verifier) || current.cell.step >= m.state.steps.length)
    )
      current.cell = null;
    save();
    render();
  } else if (m.type === "focusStep") {
    if (current && m.step >= 0 && m.step < current.state.steps.length && m.step !== current.selected) select(m.step, { scroll: true });
  } else {
    current = null;
    root.replaceChildren(h("p", { cls: "empty", text: m.reason }));
  }
});
if (current?.state?.steps) render();
post({ type: "ready" });
