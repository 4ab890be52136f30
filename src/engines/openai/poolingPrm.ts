/**
 * Qwen2.5-Math-PRM (7B/72B) through vLLM's pooling API. The model reads a two-class head at every
 * `<extra_0>` separator; vLLM serves it as a pooling model (`vllm serve Qwen/Qwen2.5-Math-PRM-7B
 * --runner pooling`; releases before the runner flag: `--task reward`) and answers
 * `POST /pooling` (at the server root, next to /v1):
 *   request  {"model", "input": "<chat-templated text>", "task": "token_classify"}
 *            (older releases call the task "reward"; StepLens falls back to it, then to no task)
 *   response {"object": "list", "data": [{"index": 0, "object": "pooling",
 *             "data": [[p_incorrect, p_correct], …]}], "usage": {…}}
 * with one pair per separator. The input is laid out as the model card and vLLM's own test
 * (tests/models/language/pooling/test_reward.py) lay it out: the Qwen chat template with the system
 * prompt "Please reason step by step, and put your final answer within \boxed{}.", the problem as
 * the user turn, and the steps joined by `<extra_0>` with a trailing `<extra_0>` as the assistant
 * turn. A step's score is P(correct), the second column of its separator's pair. A server that
 * returns one row per token instead is handled through its /tokenize route (rows at the separator's
 * token id are kept). No real vLLM was reachable where this was written: it is tested against a local
 * HTTP server answering in the documented shape. No `vscode` import here.
 */
import { StepLensError } from "../../core/errors";
import { QWEN_PRM_SYSTEM } from "../presets";

/** The step separator of Qwen2.5-Math-PRM, and its token id in the Qwen2.5 vocabulary. */
export const QWEN_PRM_SEPARATOR = "<extra_0>";
export const QWEN_PRM_SEPARATOR_ID = 151651;
/** The system prompt of the model card and vLLM's test (kept with the preset). */
export { QWEN_PRM_SYSTEM };

/** The pooling tasks tried in order: current vLLM, then older releases, then the server's default. */
export const POOLING_TASKS: readonly (string | null)[] = ["token_classify", "reward", null];

/** The model's input: its chat template (system, user = problem, assistant = steps joined by the separator, one trailing). */
export function qwenPrmInput(problem: string, steps: readonly string[], system: string = QWEN_PRM_SYSTEM): string {
  const answer = steps.map((s) => s.trim()).join(QWEN_PRM_SEPARATOR) + QWEN_PRM_SEPARATOR;
  return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${problem.trim()}<|im_end|>\n<|im_start|>assistant\n${answer}<|im_end|>\n`;
}

export function poolingRequest(model: string, input: string, task: string | null): Record<string, unknown> {
  return task === null ? { model, input } : { model, input, task };
}

/** The rows of the first result of a pooling response (null when the shape is not the documented one). */
export function poolingRows(body: unknown): number[][] | null {
  const b = body as { data?: { data?: unknown }[] } | null;
  const rows = b && Array.isArray(b.data) && b.data.length ? b.data[0]?.data : undefined;
  if (!Array.isArray(rows)) return null;
  if (rows.every((r) => Array.isArray(r) && r.length >= 2 && r.every((x) => typeof x === "number" && Number.isFinite(x)))) return rows as number[][];
  return null;
}

/** P(correct) from a row: the second column, normalised by softmax when the row is not a probability pair. */
export function correctProbability(row: readonly number[]): { score: number; margin: number } {
  // poolingRows gives rows of two or more numbers; a shorter row reads NaN, as its undefined cells did (score and margin NaN).
  const [a = Number.NaN, b = Number.NaN] = row;
  const isPair = a >= 0 && b >= 0 && a <= 1 && b <= 1 && Math.abs(a + b - 1) < 1e-3;
  if (isPair) {
    const eps = 1e-12;
    return { score: b, margin: Math.log(Math.max(b, eps)) - Math.log(Math.max(a, eps)) };
  }
  const margin = b - a; // logits: softmax over the two classes
  return { score: 1 / (1 + Math.exp(-margin)), margin };
}

/** The error for a server without a usable pooling route: what to run instead. */
export function noPoolingRouteError(baseUrl: string, detail: string): StepLensError {
  return new StepLensError(`Qwen2.5-Math-PRM: ${baseUrl} has no usable /pooling route for this model (${detail}).`, {
    code: "no-pooling-route",
    hint:
      "Serve the PRM with vLLM as a pooling model: `vllm serve Qwen/Qwen2.5-Math-PRM-7B --runner pooling` " +
      "(vLLM releases without --runner: `vllm serve Qwen/Qwen2.5-Math-PRM-7B --task reward`), and point --endpoint / " +
      "steplens.openai.baseUrl at it (…/v1); --api-model / steplens.openai.prmModel is the served model name.",
  });
}
