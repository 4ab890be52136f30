/**
 * PRMs with a classification head (Qwen2.5-Math-PRM-7B/72B: steps joined by `<extra_0>`, a
 * two-class head read at each separator) cannot be scored through chat/completions logprobs, and
 * the local engine (node-llama-cpp) has no such head. vLLM runs them as pooling models; its routes
 * and flags have changed between versions, and StepLens has not been run against a real vLLM
 * here, so instead of guessing a wire format this module gives the error that says what to run.
 * No `vscode` import here.
 */
import { StepLensError } from "../../core/errors";
import { findPreset } from "../presets";

/** Adapter names (or preset names) that mean "needs a classification head". */
export function needsClassificationHead(adapter: string): boolean {
  const a = adapter.toLowerCase();
  if (findPreset(a)?.runtime === "endpoint") return true;
  return a === "qwen-prm" || a === "classification" || a === "classification-head" || a.includes("qwen2.5-math-prm") || a.includes("math-prm-7b") || a.includes("math-prm-72b");
}

export function classificationHeadError(adapter: string, baseUrl: string): StepLensError {
  return new StepLensError(
    `PRM adapter '${adapter}' reads a classification head (Qwen2.5-Math-PRM style), which neither chat/completions logprobs at ${baseUrl} nor the local engine provide.`,
    {
      code: "classification-head",
      hint:
        "Serve it with vLLM as a pooling model — recent vLLM: `vllm serve Qwen/Qwen2.5-Math-PRM-7B --runner pooling` (older releases: `--task reward`) — " +
        "and query its POST /pooling route with the steps joined by `<extra_0>`; each separator yields [P(incorrect), P(correct)]. " +
        "StepLens does not call that route itself yet. Meanwhile use prm.adapter 'judge' with an instruct model on the endpoint, " +
        "or a Math-Shepherd-style PRM locally (`steplens serve --model <gguf> --prm math-shepherd`, then prm.adapter 'remote').",
    },
  );
}
