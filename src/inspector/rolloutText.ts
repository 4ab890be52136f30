/**
 * One reward-log rollout as the text of a read-only document: a header (reward, scalarisation,
 * trainer step, gate, client, model), the prompt, the steps as the judge saw them (after the gate's
 * cut), the answer, and the whole response as sent (when it differs from what the judge saw). Also
 * returns where each step and the header's gate line lie, so the editor can hang each step's judge
 * value on a hover and the gate's reasons on diagnostics. Trace text is untrusted: it is only ever
 * shown as plain text (control characters replaced). No `vscode` import.
 */
import type { RewardLogLine } from "../rewards/rewardLog";

export interface RolloutStepSpan {
  /** 0-based step index. */
  index: number;
  /** 0-based lines of the document the step covers (inclusive). */
  startLine: number;
  endLine: number;
  /** The judge's value (null when the gate stopped the rollout) and the step's reward. */
  value: number | null;
  stepReward: number | null;
}

export interface RolloutText {
  text: string;
  steps: RolloutStepSpan[];
  /** 0-based line of the header's gate line (where the gate diagnostics go). */
  gateLine: number;
  gate: { passed: boolean; codes: string[]; details: string[] };
}

/** Plain text: no control characters but line breaks. */
function clean(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ")
    .replace(/\s+$/, "");
}

const fmt = (v: number | null | undefined, digits = 4) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—");

export function rolloutText(r: RewardLogLine): RolloutText {
  const out: string[] = [];
  const codes = Array.isArray(r.gate?.codes) ? r.gate.codes.map(String) : [];
  const details = Array.isArray(r.gate?.details) ? r.gate.details.map(String) : [];
  const passed = Boolean(r.gate?.passed);
  out.push(`# Rollout ${clean(String(r.id)).replace(/\n/g, " ")}`);
  out.push(`Reward: ${fmt(r.reward)} (${clean(String(r.scalarize ?? "?"))}, ${clean(String(r.source ?? "?"))} judge)`);
  const gateLine = out.length;
  out.push(passed ? "Gate: passed" : `Gate: FAILED (${codes.join(", ")})`);
  out.push(
    `Trainer step: ${r.trainerStep ?? "not sent"} · ${clean(String(r.client ?? "?"))} · ${clean(String(r.route ?? "?"))} · ${clean(String(r.time ?? ""))}`,
  );
  out.push(`Model: ${clean(String(r.model ?? ""))}`);
  if (r.answer !== null && r.answer !== undefined)
    out.push(
      `Answer: ${clean(String(r.answer)).replace(/\n/g, " ")}${r.answerCorrect === true ? " (matches the reference)" : r.answerCorrect === false ? " (differs from the reference)" : ""}`,
    );
  out.push("");
  out.push(`Problem: ${clean(String(r.prompt ?? ""))}`);
  out.push("");
  const steps: RolloutStepSpan[] = [];
  const texts = Array.isArray(r.steps) ? r.steps : [];
  const values = Array.isArray(r.stepValues) ? r.stepValues : [];
  const stepRewards = Array.isArray(r.stepRewards) ? r.stepRewards : [];
  if (!texts.length) out.push("(no steps: the gate found none to judge)");
  texts.forEach((t, index) => {
    const startLine = out.length;
    const lines = `Step ${index + 1}: ${clean(String(t))}`.split("\n");
    out.push(...lines);
    steps.push({
      index,
      startLine,
      endLine: out.length - 1,
      value: typeof values[index] === "number" ? values[index]! : null,
      stepReward: typeof stepRewards[index] === "number" ? stepRewards[index]! : null,
    });
    out.push("");
  });
  const response = clean(String(r.response ?? ""));
  const seen = texts.map((t) => clean(String(t))).join("\n");
  if (response && response.replace(/\s+/g, " ").trim() !== seen.replace(/\s+/g, " ").trim()) {
    out.push("---");
    out.push(
      passed
        ? "The whole response as sent (the judge saw the steps above: cut after </answer>):"
        : "The whole response as sent (the gate stopped it; no model ran):",
    );
    out.push("");
    out.push(...response.split("\n"));
  }
  return { text: out.join("\n") + "\n", steps, gateLine, gate: { passed, codes, details } };
}

/** The hover text of one step: the judge's value and the step's reward. */
export function stepHoverText(step: RolloutStepSpan, threshold = 0.5): string {
  if (step.value === null) return `Step ${step.index + 1}: not judged (the gate stopped the rollout).`;
  const verdict = step.value >= threshold ? "above" : "below";
  return `Step ${step.index + 1}: judge value ${step.value.toFixed(4)} (${verdict} ${threshold})${step.stepReward !== null ? ` · step reward ${step.stepReward.toFixed(4)}` : ""}`;
}
