/**
 * Messages between the extension host and the inspector webview. Plain data only: trace text is
 * untrusted model output and the webview renders it with textContent, never as HTML.
 */

export interface InspectorStep {
  index: number;
  /** First characters of the step, plain text. */
  preview: string;
  /** PRM P(correct), null when not scored. */
  score: number | null;
  /** Verifier counts for this step, when a verification ran. */
  verdicts: { incorrect: number; correct: number; missing: number } | null;
  /** Human label, when set. */
  label: "correct" | "incorrect" | "first-error" | null;
  isFirstError: boolean;
}

export interface InspectorState {
  /** File name and record, plain text. */
  title: string;
  /** True when the scores come from the generated demo model (random weights). */
  demo: boolean;
  threshold: number;
  model: string | null;
  /** Number of verifications (K) behind the verdict counts, null when none ran. */
  samples: number | null;
  /** τ: a step is incorrect when at least τ·K verifiers say so. */
  tau: number;
  firstError: number;
  steps: InspectorStep[];
}

export type HostToWebview = { type: "state"; state: InspectorState } | { type: "empty"; reason: string };

export type WebviewToHost =
  | { type: "ready" }
  | { type: "reveal"; step: number }
  | { type: "run"; action: "score" | "verify" };

/** Narrow an unknown message from the webview (it is not trusted either). */
export function parseWebviewMessage(m: unknown): WebviewToHost | null {
  if (typeof m !== "object" || m === null) return null;
  const o = m as Record<string, unknown>;
  if (o.type === "ready") return { type: "ready" };
  if (o.type === "reveal" && Number.isInteger(o.step) && (o.step as number) >= 0) return { type: "reveal", step: o.step as number };
  if (o.type === "run" && (o.action === "score" || o.action === "verify")) return { type: "run", action: o.action };
  return null;
}
