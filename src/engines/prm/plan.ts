/**
 * What a PRM adapter produces: the exact tokens to run and where to read the label logits. The
 * local engine executes a plan in one pass (with prefix reuse); adapters never run the model.
 * No `vscode` import; node-llama-cpp is imported for types only.
 */
import type { ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import type { NodeLlamaCpp } from "../local/llamaRuntime";
import type { PromptFormat } from "../presets";

/** A step read inside the shared token sequence: the next-token logits after `tokens[position]`. */
export interface PlanRead {
  step: number;
  position: number;
}

/**
 * A step read on a branch off the shared sequence: the model sees `tokens[0, forkAt)` followed by
 * `suffix` and the logits after the suffix's last token are read. Branches leave the shared
 * sequence untouched (the judge's per-step question is one).
 */
export interface PlanBranch {
  step: number;
  forkAt: number;
  suffix: Token[];
}

export interface PrmPlan {
  adapter: string;
  /** The shared token sequence, BOS included when the model wants one. */
  tokens: Token[];
  reads: PlanRead[];
  branches: PlanBranch[];
  /** Token ids standing for "correct" / "incorrect" (log-sum-exp'd when several). */
  positive: Token[];
  negative: Token[];
  /** How the layout was made (chat format used, tokenisation path), for info and docs. */
  notes: string[];
}

export interface PrmInput {
  problem: string;
  steps: readonly string[];
}

/** What adapters may use: the loaded model, its chat wrapper (if it has a chat format), the library. */
export interface AdapterContext {
  lib: NodeLlamaCpp;
  model: LlamaModel;
  /** The model's chat format: its own template, or the explicit `format.chatTemplate`; null when it has none. */
  chatWrapper: ChatWrapper | null;
  /** Name of the chat format (e.g. "ChatML"), or "none". */
  chatFormat: string;
}

export interface PrmAdapter {
  readonly name: string;
  plan(input: PrmInput, ctx: AdapterContext, format: PromptFormat): PrmPlan;
}

/** Per-step score from the label logits at one read: P(correct) over the two labels, and the margin. */
export function scoreFromLogits(logits: ReadonlyMap<Token, number>, positive: readonly Token[], negative: readonly Token[]): { score: number; margin: number } {
  const lse = (ids: readonly Token[]) => {
    const xs = ids.map((t) => logits.get(t) ?? Number.NEGATIVE_INFINITY);
    const m = Math.max(...xs);
    if (!Number.isFinite(m)) return m;
    return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  const margin = lse(positive) - lse(negative);
  return { score: 1 / (1 + Math.exp(-margin)), margin };
}

export function formatStep(template: string, n: number, text: string): string {
  return template.replace(/\{n\}/g, String(n)).replace(/\{text\}/g, () => text);
}
