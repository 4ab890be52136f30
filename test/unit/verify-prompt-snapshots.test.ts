// Whole rendered prompts of the built-in verifier templates, per template, with and without a
// reference answer, free text and constrained, and the meta-critique's two passes: compared with
// test/snapshots/prompts/ in full, so a change in wording shows in review (STEPLENS_UPDATE_SNAPSHOTS=1
// rewrites them; read the diff).
import { test } from "node:test";
import { BUILTIN_TEMPLATES, renderCritiquePrompt, renderMergePrompt, renderPrompt, type PromptInput } from "../../src/verify/templates";
import type { ChatMessage } from "../../src/engines/engine";
import { matchSnapshot } from "../support/snapshot";

const INPUT: PromptInput = {
  problem: "A train travels 60 km in 1.5 hours. What is its average speed in km/h?",
  steps: ["Speed is distance divided by time.", "60 / 1.5 = 40.", "So the average speed is $\\boxed{40}$ km/h."],
};
const WITH_REFERENCE: PromptInput = { ...INPUT, reference: "40" };

const asText = (messages: ChatMessage[]) => messages.map((m) => `=== ${m.role}\n${m.content}`).join("\n") + "\n";

for (const name of Object.keys(BUILTIN_TEMPLATES) as (keyof typeof BUILTIN_TEMPLATES)[]) {
  const t = BUILTIN_TEMPLATES[name];
  test(`${name}: the rendered prompt, without and with a reference, free text and constrained`, () => {
    matchSnapshot(`prompts/${name}.txt`, asText(renderPrompt(t, INPUT)));
    matchSnapshot(`prompts/${name}-reference.txt`, asText(renderPrompt(t, WITH_REFERENCE)));
    matchSnapshot(`prompts/${name}-constrained.txt`, asText(renderPrompt(t, INPUT, { constrained: true })));
  });
  test(`${name}: the meta-critique's critique and merge prompts`, () => {
    matchSnapshot(`prompts/${name}-critique.txt`, asText(renderCritiquePrompt(t, WITH_REFERENCE, "VERIFICATION TEXT")));
    matchSnapshot(`prompts/${name}-merge.txt`, asText(renderMergePrompt(t, WITH_REFERENCE, "VERIFICATION TEXT", "CRITIQUE TEXT")));
  });
}
