/**
 * OpenRLHF's remote reward request carries, per rollout, `query`: prompt and response decoded
 * together with special tokens kept, and `prompts`: the prompt as the dataset gave it (usually with
 * the chat template applied). This splits a query into the problem the policy saw and the response
 * it wrote. No `vscode` import here.
 */

import { DEFAULT_RL_INSTRUCTION } from "../export/formats/verl";

/** Chat-template and end-of-sequence tokens a decoded query may carry around the response. */
const SPECIAL_TOKEN = /<\|[a-z_]+\|>|<\/s>|<s>|<eos>|<bos>|<end_of_turn>|<start_of_turn>(?:model|user)?/gi;

/** The user turn of a chat-templated prompt (ChatML, Llama 3, Gemma), else the prompt itself. */
export function problemOfPrompt(prompt: string): string {
  const chatml = /<\|im_start\|>user\n([\s\S]*?)<\|im_end\|>/.exec(prompt);
  if (chatml) return chatml[1]!.trim();
  const llama3 = /<\|start_header_id\|>user<\|end_header_id\|>\s*([\s\S]*?)<\|eot_id\|>/.exec(prompt);
  if (llama3) return llama3[1]!.trim();
  const gemma = /<start_of_turn>user\n([\s\S]*?)<end_of_turn>/.exec(prompt);
  if (gemma) return gemma[1]!.trim();
  return prompt.replace(SPECIAL_TOKEN, "").trim();
}

/** The response part of a query: after the prompt when the query starts with (or contains) it. */
export function responseOfQuery(query: string, prompt: string): string {
  let response = query;
  if (prompt) {
    if (query.startsWith(prompt)) response = query.slice(prompt.length);
    else {
      const at = query.lastIndexOf(prompt);
      if (at >= 0) response = query.slice(at + prompt.length);
    }
  }
  if (response === query) {
    // No prompt to cut: the last assistant turn of a ChatML / Llama 3 / Gemma transcript.
    const marks = ["<|im_start|>assistant\n", "<|start_header_id|>assistant<|end_header_id|>", "<start_of_turn>model\n"];
    for (const m of marks) {
      const at = query.lastIndexOf(m);
      if (at >= 0) {
        response = query.slice(at + m.length);
        break;
      }
    }
  }
  return response.replace(SPECIAL_TOKEN, "").trim();
}

/** The problem and the response; the RL instruction StepLens appends to prompts is not part of the problem. */
export function splitOpenRlhfQuery(query: string, prompt: string): { problem: string; response: string } {
  const problem = problemOfPrompt(prompt);
  const bare = problem.endsWith(DEFAULT_RL_INSTRUCTION) ? problem.slice(0, -DEFAULT_RL_INSTRUCTION.length).trim() : problem;
  return { problem: bare, response: responseOfQuery(query, prompt) };
}
