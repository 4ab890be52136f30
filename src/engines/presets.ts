/**
 * Presets for known models: data only (one table). Each names where the model comes from, which
 * roles it can fill, which PRM adapter reads it and with which prompt format and tokens. A preset
 * name works wherever a model is expected (`--model`, `steplens.models.<role>`) and, for PRMs,
 * as an adapter name (`--prm`). File names were taken from the model cards; they are not
 * re-checked here (no network): `steplens models fetch` reports a missing file clearly.
 * No `vscode` import here.
 */
import type { ModelRole } from "./engine";

export type PrmAdapterName = "math-shepherd" | "chat-turn" | "judge";
export const PRM_ADAPTERS: readonly PrmAdapterName[] = ["math-shepherd", "chat-turn", "judge"];

/** How the adapter lays out a trace. Unset fields take the adapter's defaults (see src/engines/prm). */
export interface PromptFormat {
  /** Tag after each step (math-shepherd), default "ки". */
  stepTag?: string;
  /** Label read as "correct" / "incorrect": "+"/"-" for PRMs, "Yes"/"No" for judges. */
  positive?: string;
  negative?: string;
  /** How a step is written; `{n}` is the 1-based step number, `{text}` the step. */
  stepFormat?: string;
  /** System prompt for chat layouts (omitted when empty). */
  system?: string;
  /** Text put right after the assistant header before the label is read (e.g. Qwen3's empty think block). */
  answerPrefix?: string;
  /** The judge's question after step `{n}`. */
  question?: string;
  /** An explicit Jinja chat template, used instead of the model's own (chat-turn and judge). */
  chatTemplate?: string;
  /**
   * Chat-turn: what joins the problem and step 1 in the first user turn. Default " ", as RLHFlow's
   * own evaluation code (math-rm/prm_evaluate.py); ProcessBench's example for RLHFlow PRMs
   * (code/run_eval_prm_rlhflow.py) uses "\n\n" (setting `steplens.prm.chatTurnJoin`).
   */
  firstTurnJoin?: string;
}

export interface ModelPreset {
  name: string;
  description: string;
  /** `hf:user/repo/file.gguf`; null when the model has no published GGUF (bring your own file). */
  uri: string | null;
  /** Approximate download size in bytes (for messages), when known. */
  sizeBytes?: number;
  roles: readonly ModelRole[];
  /** The adapter that scores steps with it (PRM role), if any. */
  adapter?: PrmAdapterName;
  format?: PromptFormat;
  /** Thinking model: strip `<think>…</think>` before parsing its text. */
  thinking?: boolean;
  /** "endpoint": needs a runtime the local engine lacks; `endpointReason` says why. */
  runtime: "local" | "endpoint";
  endpointReason?: string;
  /** What to do when there is no published GGUF. */
  conversion?: string;
}

const QWEN3_NO_THINK = "<think>\n\n</think>\n\n";
/** Qwen2.5-Math-PRM's system prompt (model card; vLLM's test). */
export const QWEN_PRM_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}.";

export const PRESETS: readonly ModelPreset[] = [
  {
    name: "math-shepherd-mistral-7b-prm",
    description: "Math-Shepherd PRM (Mistral 7B), Q4_K_M: steps tagged with ки, P(+) at each tag.",
    uri: "hf:QuantFactory/math-shepherd-mistral-7b-prm-GGUF/math-shepherd-mistral-7b-prm.Q4_K_M.gguf",
    sizeBytes: 4.37e9,
    roles: ["prm"],
    adapter: "math-shepherd",
    format: { stepTag: "ки", positive: "+", negative: "-", stepFormat: "Step {n}: {text}" },
    runtime: "local",
  },
  {
    name: "math-shepherd-mistral-7b-prm-q4_0",
    description: "Math-Shepherd PRM (Mistral 7B), Q4_0 (smaller, slightly less accurate).",
    uri: "hf:QuantFactory/math-shepherd-mistral-7b-prm-GGUF/math-shepherd-mistral-7b-prm.Q4_0.gguf",
    sizeBytes: 4.11e9,
    roles: ["prm"],
    adapter: "math-shepherd",
    format: { stepTag: "ки", positive: "+", negative: "-", stepFormat: "Step {n}: {text}" },
    runtime: "local",
  },
  {
    name: "qwen3-4b",
    description: "Qwen3-4B (official GGUF, Q4_K_M): verifier, judge PRM (P(Yes) per step), generator and prover. A thinking model.",
    uri: "hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf",
    sizeBytes: 2.5e9,
    roles: ["verifier", "generator", "prover", "prm"],
    adapter: "judge",
    format: { positive: "Yes", negative: "No", answerPrefix: QWEN3_NO_THINK },
    thinking: true,
    runtime: "local",
  },
  {
    name: "rlhflow-llama3.1-8b-prm",
    description: "RLHFlow Llama3.1-8B PRM (chat-turn: each step a user turn, P(+) of the assistant's answer).",
    uri: null,
    roles: ["prm"],
    adapter: "chat-turn",
    format: { positive: "+", negative: "-" },
    runtime: "local",
    conversion:
      "Convert RLHFlow/Llama3.1-8B-PRM-Deepseek-Data (or -Mistral-Data) with llama.cpp's convert_hf_to_gguf.py, quantise it, and pass the file with --model (this preset then only supplies the adapter settings).",
  },
  {
    name: "qwen2.5-math-prm-7b",
    description:
      "Qwen2.5-Math-PRM-7B on a vLLM pooling endpoint: steps joined by <extra_0> in its chat template, P(correct) of the 2-class head at each separator (POST /pooling).",
    uri: null,
    roles: ["prm"],
    format: { system: QWEN_PRM_SYSTEM },
    runtime: "endpoint",
    endpointReason:
      "its step scores come from a classification head read at each <extra_0> separator, which the local engine (llama.cpp) does not run; serve it with `vllm serve Qwen/Qwen2.5-Math-PRM-7B --runner pooling` and use --endpoint … --prm qwen2.5-math-prm-7b",
  },
  {
    name: "qwen2.5-math-prm-72b",
    description: "Qwen2.5-Math-PRM-72B on a vLLM pooling endpoint (same layout as the 7B).",
    uri: null,
    roles: ["prm"],
    format: { system: QWEN_PRM_SYSTEM },
    runtime: "endpoint",
    endpointReason:
      "its step scores come from a classification head read at each <extra_0> separator, which the local engine (llama.cpp) does not run; serve it with `vllm serve Qwen/Qwen2.5-Math-PRM-72B --runner pooling` and use --endpoint … --prm qwen2.5-math-prm-72b",
  },
];

export function findPreset(name: string): ModelPreset | undefined {
  const key = name.trim().toLowerCase();
  return PRESETS.find((p) => p.name === key);
}

export function presetNames(): string[] {
  return PRESETS.map((p) => p.name);
}
