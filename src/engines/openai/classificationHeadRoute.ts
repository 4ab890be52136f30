/**
 * PRMs with a classification head (Qwen2.5-Math-PRM-7B/72B: steps joined by `<extra_0>`, a
 * two-class head read at each separator) cannot be scored through chat/completions logprobs, and
 * the local engine (node-llama-cpp) has no such head. On an endpoint they go through vLLM's pooling
 * API (see poolingPrm.ts); this module says which adapter names mean such a PRM, and gives the
 * error for the local engine. No `vscode` import here.
 */
import { StepLensError } from "../../core/errors";
import { findPreset } from "../presets";

/** Adapter names (or preset names) that mean "needs a classification head". */
export function needsClassificationHead(adapter: string): boolean {
  const a = adapter.toLowerCase();
  if (findPreset(a)?.runtime === "endpoint") return true;
  return (
    a === "qwen-prm" ||
    a === "classification" ||
    a === "classification-head" ||
    a.includes("qwen2.5-math-prm") ||
    a.includes("math-prm-7b") ||
    a.includes("math-prm-72b")
  );
}

export function classificationHeadError(adapter: string, baseUrl: string): StepLensError {
  return new StepLensError(`PRM adapter '${adapter}' reads a classification head (Qwen2.5-Math-PRM style), which ${baseUrl} cannot run.`, {
    code: "classification-head",
    hint:
      "Serve it with vLLM as a pooling model — `vllm serve Qwen/Qwen2.5-Math-PRM-7B --runner pooling` (older releases: `--task reward`) — " +
      "and use the endpoint engine: `steplens score <file> --endpoint http://127.0.0.1:8000/v1 --api-model Qwen/Qwen2.5-Math-PRM-7B --prm qwen2.5-math-prm-7b` " +
      "(in VS Code: steplens.engine.kind 'openai', steplens.prm.adapter 'qwen2.5-math-prm-7b'). StepLens then calls its POST /pooling route.",
  });
}
