// Whole rendered prompts, per template and per engine role, compared with test/snapshots/prompts/ in
// full, byte for byte, so a change in wording shows in review (STEPLENS_UPDATE_SNAPSHOTS=1 rewrites
// them; read the diff). Verifier: every built-in template, with and without a reference answer, free
// text and constrained; meta-critic: the critique and merge passes per template; generator: the
// synthesis prompt and the search prompt (fresh and continuing); prover: the prompt at every
// boundary; the export formats' ORM/PRM prompts and target. The PRM adapters' prompts need a
// tokenizer: they are snapshotted through the real model's chat format in realmodel-prompts.test.ts.
import { test } from "node:test";
import { BUILTIN_TEMPLATES, renderCritiquePrompt, renderMergePrompt, renderPrompt, type PromptInput } from "../../src/verify/templates";
import type { ChatMessage, Prompt } from "../../src/engines/engine";
import { boundaryPrompt } from "../../src/engines/prefixRollouts";
import { proverPrompt } from "../../src/progress/proverPrompt";
import { generatorPrompt as searchGeneratorPrompt } from "../../src/search/candidate";
import { generatorPrompt as synthesisGeneratorPrompt } from "../../src/synthesis/generatorPrompt";
import { ormPrompt, prmPrompt, prmTarget } from "../../src/export/formats/chatPrompts";
import { matchSnapshot } from "../support/snapshot";

const INPUT: PromptInput = {
  problem: "A train travels 60 km in 1.5 hours. What is its average speed in km/h?",
  steps: ["Speed is distance divided by time.", "60 / 1.5 = 40.", "So the average speed is $\\boxed{40}$ km/h."],
};
const WITH_REFERENCE: PromptInput = { ...INPUT, reference: "40" };

const asText = (messages: ChatMessage[]) => messages.map((m) => `=== ${m.role}\n${m.content}`).join("\n") + "\n";
const promptAsText = (prompt: Prompt) => (typeof prompt === "string" ? `=== text\n${prompt}\n` : asText(prompt));

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

test("generator (synthesis): the prompt of every solution", () => {
  matchSnapshot("prompts/generator-synthesis.txt", asText(synthesisGeneratorPrompt(INPUT.problem)));
});

test("generator (search): a fresh solution and the continuation after two steps", () => {
  matchSnapshot("prompts/generator-search.txt", asText(searchGeneratorPrompt(INPUT.problem, [])));
  matchSnapshot("prompts/generator-search-after-step-2.txt", asText(searchGeneratorPrompt(INPUT.problem, INPUT.steps.slice(0, 2))));
});

test("prover: the prompt a rollout continues at every boundary (before step 1 … after the last step)", () => {
  const { head, segments } = proverPrompt(INPUT.problem, INPUT.steps);
  const boundaries = Array.from({ length: segments.length + 1 }, (_, k) => `##### boundary ${k}\n${promptAsText(boundaryPrompt(head, segments, k))}`);
  matchSnapshot("prompts/prover-boundaries.txt", boundaries.join(""));
});

test("export: the ORM and PRM training prompts and the PRM target", () => {
  const solution = INPUT.steps.map((s, i) => `Step ${i + 1}: ${s}`).join("\n");
  matchSnapshot(
    "prompts/export-orm-prm.txt",
    [
      `=== orm prompt\n${ormPrompt(INPUT.problem, solution)}`,
      `=== prm prompt\n${prmPrompt(INPUT.problem, solution)}`,
      `=== prm target (steps correct, correct, incorrect; answer incorrect)\n${prmTarget([true, true, false], false)}`,
    ].join("\n") + "\n",
  );
});
