// The verification pipeline's plumbing with a scripted engine (it returns prepared verifier outputs,
// records every request): K samples in one call with n = K, parsing, aggregation, meta-critique
// passes at temperature 0, reference-guided prompts, constrained schemas, progress, cancellation.
// The real-model path (tiny generated GGUF) is in verify-localModel.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CancelledError } from "../../src/core/errors";
import type { GenerateRequest } from "../../src/engines/engine";
import { fakeEngine } from "../support/fakeEngine";
import { matchSnapshot } from "../support/snapshot";
import { BUILTIN_TEMPLATES, renderPrompt, resolveTemplate, loadTemplateFile, renderSteps } from "../../src/verify/templates";
import { verifyTrace, metaCritique } from "../../src/verify/verifyPipeline";
import { verificationSchema } from "../../src/verify/constrainedSchema";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { itemAt, only } from "../support/indexing";

/** A verifier, scripted: `reply(req, call)` gives the texts of generate call `call` (from 0), one per sample. */
const scriptedEngine = (reply: (req: GenerateRequest, call: number) => string[]) =>
  fakeEngine({
    generations: (req, call) => {
      const texts = reply(req, call - 1);
      assert.equal(texts.length, req.n ?? 1, "the script gives one text per sample");
      return texts;
    },
    tokens: (text) => text.length,
  });

/** A rendered prompt as reviewable text: each message under its role. */
const asText = (messages: { role: string; content: string }[]) => messages.map((m) => `=== ${m.role}\n${m.content}`).join("\n") + "\n";

const input = { problem: "What is (2 + 3) * 4?", steps: ["2 + 3 = 5.", "5 * 4 = 21.", "The answer is 21."] };
const spark = (v: string, final: string) =>
  [...v].map((c, i) => `## Step ${i + 1}: analysis ${i + 1} of ${v}\n**This step is ${c === "C" ? "correct" : "incorrect"}.**`).join("\n\n") +
  `\n\n**Verification: Is the answer correct (Yes/No)? ${final}**`;

test("K verifications come from ONE generate call with n = K, the seed and the temperature; parsed and aggregated", async () => {
  const outs = [spark("CII", "No"), spark("CIC", "No"), spark("CCI", "No"), spark("CCC", "Yes"), "I cannot grade this."];
  const engine = scriptedEngine(() => outs);
  const events: number[] = [];
  const r = await verifyTrace(
    engine,
    input,
    { template: BUILTIN_TEMPLATES.spark, samples: 5, seed: 7, temperature: 0.8, tau: 0.5 },
    { onProgress: (p) => events.push(p.done) },
  );
  assert.equal(engine.requests.generate.length, 1);
  const req = itemAt(engine.requests.generate, 0, "the generate request");
  assert.deepEqual([req.n, req.seed, req.temperature, req.role, req.jsonSchema], [5, 7, 0.8, "verifier", undefined]);
  const prompt = JSON.stringify(req.prompt);
  assert.ok(prompt.includes("Step 2: 5 * 4 = 21."), "steps are numbered in the prompt");
  assert.ok(prompt.includes("What is (2 + 3) * 4?"));
  // K' = 4 (one malformed); step 2 flagged by 2 of 4 ≥ 0.5·4 → incorrect; step 3 by 2 → incorrect.
  assert.equal(r.aggregate.valid, 4);
  assert.equal(r.aggregate.malformed, 1);
  assert.deepEqual(
    r.aggregate.steps.map((s) => [s.incorrect, s.verdict]),
    [
      [0, "correct"],
      [2, "incorrect"],
      [2, "incorrect"],
    ],
  );
  assert.equal(r.final.firstError, 1);
  assert.equal(r.final.outcome, "no");
  assert.equal(r.final.source, "aggregate");
  // Explanation: sample 0 (CII, No, first error 1) agrees on everything.
  assert.equal(r.aggregate.explanation, 0);
  assert.equal(r.final.steps[1]?.critique, "analysis 2 of CII");
  assert.ok(
    events.every((d, i) => i === 0 || d >= events[i - 1]!),
    `progress never goes back: ${events}`,
  );
  assert.equal(events[0], 0);
  assert.equal(events[events.length - 1], 5);
});

test("aggregate modes change only the first error: outcome and first-error votes", async () => {
  const outs = [spark("ICC", "Yes"), spark("CIC", "Yes"), spark("CIC", "Yes"), spark("CCI", "No")];
  const engine = scriptedEngine(() => outs);
  const byStep = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark, samples: 4, aggregate: "step" });
  const byOutcome = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark, samples: 4, aggregate: "outcome" });
  const byVote = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark, samples: 4, aggregate: "first-error" });
  assert.equal(byStep.final.firstError, 1); // step 2 flagged by 2 of 4
  assert.equal(byOutcome.final.firstError, -1); // outcome Yes (3 of 4)
  assert.equal(byVote.final.firstError, 1); // votes: 0 ×1, 1 ×2, 2 ×1
});

test("meta-critique: a critique pass then a merge pass, both at temperature 0, on the aggregate's explanation", async () => {
  const engine = scriptedEngine((req, call) => {
    if (call === 0) return [spark("CCC", "Yes"), spark("CCC", "Yes"), spark("CIC", "No")];
    if (call === 1) return ["The verification missed that 5 * 4 = 20, not 21: step 2 is wrong."];
    return [spark("CII", "No")];
  });
  const r = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark, samples: 3, metaCritique: true });
  assert.equal(engine.requests.generate.length, 3);
  const [, critique, merge] = engine.requests.generate;
  assert.ok(critique && merge, "a critique request and a merge request after the sampling one");
  assert.deepEqual([critique.temperature, critique.n, merge.temperature, merge.n], [0, 1, 0, 1]);
  const critiqueText = JSON.stringify(critique.prompt);
  assert.ok(critiqueText.includes("false alarms") && critiqueText.includes(spark("CCC", "Yes").slice(0, 40).replace(/\n/g, "\\n")));
  assert.ok(JSON.stringify(merge.prompt).includes("missed that 5 * 4 = 20"));
  assert.equal(r.metaCritique?.target, "aggregate");
  assert.equal(r.metaCritique?.sample, 0);
  assert.equal(r.final.source, "meta-critique");
  assert.equal(r.final.firstError, 1);
  assert.equal(r.final.outcome, "no");
  // The aggregate is still there, unchanged.
  assert.equal(r.aggregate.firstError, -1);
});

test("meta-critique inputs: thinking stripped from the verification and the critique, sections delimited, merge format rules", async () => {
  const thinkingVerification = "<think>draft: step 2 **This step is correct.**</think>\n\n" + spark("CIC", "No");
  const unclosed =
    "<think>let me see, 5 * 4 is 20\n\n## Step 1: fine\n**This step is correct.**\n\n## Step 2: wrong\n**This step is incorrect.**\n\n## Step 3: ok\n**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? No**";
  const engine = scriptedEngine((_req, call) => [call === 0 ? "<think>hmm, secret musing</think>Step 3 should be incorrect too." : spark("CII", "No")]);
  await metaCritique(engine, input, thinkingVerification, { template: BUILTIN_TEMPLATES.spark });
  const [critique, merge] = engine.requests.generate.map((r) => itemAt(r.prompt as { content: string }[], 0, "the user message").content);
  assert.ok(critique !== undefined && merge !== undefined, "a critique request and a merge request");
  assert.ok(!critique.includes("draft:") && critique.includes("<Original Verification> ## Step 1: analysis 1 of CIC"));
  assert.match(
    critique,
    /<Problem> What is \(2 \+ 3\) \* 4\? <\/Problem>\n<Solution Path> Step 1: 2 \+ 3 = 5\.\n\nStep 2:[^]*<\/Solution Path>\n<Original Verification>/,
  );
  assert.ok(
    !merge.includes("secret musing") && merge.includes("<Critique of the Verification> Step 3 should be incorrect too. </Critique of the Verification>"),
  );
  assert.match(merge, /Use "## Step X:"|under a "## Step X:" heading/);
  assert.match(merge, /Never use phrases such as "the original verification"/);
  assert.match(merge, /Finish with "\*\*Verification: Is the answer correct \(Yes\/No\)\? X\*\*"/);
  assert.deepEqual(
    engine.requests.generate.map((r) => r.temperature),
    [0, 0],
  );
  // An unclosed <think> holding the verification: what is critiqued is the recovered verification.
  const e2 = scriptedEngine(() => [spark("CIC", "No")]);
  await metaCritique(e2, input, unclosed, { template: BUILTIN_TEMPLATES.spark });
  const c2 = itemAt(itemAt(e2.requests.generate, 0, "the critique request").prompt as { content: string }[], 0, "the user message").content;
  assert.ok(c2.includes("<Original Verification> ## Step 1: fine") && !c2.includes("let me see"));
});

test("sampling defaults follow SPARK (K = 16, temperature 0.8, top_p 0.95, 8192 tokens); unclosed-<think> recoveries are counted", async () => {
  const recoverable =
    "<think>checking...\n\n## Step 1: ok\n**This step is correct.**\n\n## Step 2: 5 * 4 is 20\n**This step is incorrect.**\n\n## Step 3: follows\n**This step is incorrect.**\n\n**Verification: Is the answer correct (Yes/No)? No**";
  const engine = scriptedEngine((req) => Array.from({ length: req.n ?? 1 }, (_, i) => (i < 3 ? recoverable : spark("CII", "No"))));
  const r = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark });
  const req = itemAt(engine.requests.generate, 0, "the generate request");
  assert.deepEqual([req.n, req.temperature, req.topP, req.maxTokens], [16, 0.8, 0.95, 8192]);
  assert.equal(r.aggregate.valid, 16);
  assert.equal(r.aggregate.recovered, 3);
  assert.ok(r.samples[0]?.parse.ok && r.samples[0].parse.recovered === true);
  assert.ok(itemAt(r.samples, 0, "the first sample").parse.warnings.some((w) => w.includes("never closed")));
});

test("meta-critique on a single verification, and a malformed merge falls back to the aggregate", async () => {
  const engine = scriptedEngine((_req, call) => [call === 0 ? spark("CIC", "No") : call === 1 ? "fine" : "garbled"]);
  const r = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark, samples: 1, metaCritique: true });
  assert.equal(r.metaCritique?.target, "sample");
  assert.equal(r.metaCritique?.parse.ok, false);
  assert.equal(r.final.source, "aggregate");
  assert.equal(r.final.firstError, 1);
  const direct = await metaCritique(
    scriptedEngine((_q, c) => [c === 0 ? "ok" : spark("CCC", "Yes")]),
    input,
    spark("CIC", "No"),
    {
      template: BUILTIN_TEMPLATES.spark,
    },
  );
  assert.ok(direct.parse.ok && direct.parse.firstError === -1);
});

test("reference-guided mode: other instructions, the expected answer in both examples and before the lead", async () => {
  const engine = scriptedEngine(() => [spark("CII", "No")]);
  const r = await verifyTrace(engine, { ...input, reference: "20" }, { template: BUILTIN_TEMPLATES.spark, samples: 1 });
  const [msg] = itemAt(engine.requests.generate, 0, "the verification request").prompt as { role: string; content: string }[];
  assert.ok(msg, "the user message");
  assert.equal(r.referenceGuided, true);
  assert.match(msg.content, /check whether it arrives at the expected answer/);
  assert.equal(msg.content.match(/Expected Answer: /g)?.length, 3, "two examples and the trace");
  assert.ok(msg.content.endsWith("Expected Answer: 20\n\nTeacher Verification:"));
  const plain = scriptedEngine(() => [spark("CII", "No")]);
  await verifyTrace(plain, input, { template: BUILTIN_TEMPLATES.spark, samples: 1 });
  const [p] = itemAt(plain.requests.generate, 0, "the verification request").prompt as { role: string; content: string }[];
  assert.ok(p, "the user message");
  assert.ok(!p.content.includes("Expected Answer"));
  assert.ok(!p.content.includes("expected answer"));
});

test("the spark prompt has SPARK's structure: one user message, instructions, two graded examples, Question / Student Solution / Teacher Verification", () => {
  const msgs = renderPrompt(BUILTIN_TEMPLATES.spark, { ...input, solution: "Step 1: raw  text\n\n\nStep 2: as written" });
  assert.deepEqual(
    msgs.map((m) => m.role),
    ["user"],
    "no system message",
  );
  const c = itemAt(msgs, 0, "the user message").content;
  assert.match(c, /no partial credit/);
  assert.deepEqual(
    [...c.matchAll(/^Example (\d):$/gm)].map((m) => m[1]),
    ["1", "2"],
  );
  assert.equal(c.match(/\*\*Verification: Is the answer correct \(Yes\/No\)\? (Yes|No)\*\*/g)?.length, 2);
  assert.match(c, /## Step 2: Use the perimeter\n[^]*?\*\*This step is incorrect\.\*\*/);
  // The generator's text is shown as written (three newlines kept), then the lead.
  assert.ok(c.endsWith("Question: What is (2 + 3) * 4?\n\nStudent Solution: Step 1: raw  text\n\n\nStep 2: as written\n\nTeacher Verification:"));
  // Without the raw text, the steps are laid out as the generator's "Step k:" paragraphs.
  const rendered = itemAt(renderPrompt(BUILTIN_TEMPLATES.spark, input), 0, "the user message").content;
  assert.ok(rendered.includes("Student Solution: Step 1: 2 + 3 = 5.\n\nStep 2: 5 * 4 = 21.\n\nStep 3: The answer is 21."));
  // The whole prompt with the generator's raw text, byte for byte (STEPLENS_UPDATE_SNAPSHOTS=1 rewrites it).
  matchSnapshot("prompts/spark-raw-solution.txt", asText(msgs));
});

test("SPARK's published prompt pasted into a file works verbatim (its __…_PLACEHOLDER__ names)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-tpl-"));
  const file = path.join(dir, "spark-published.txt");
  fs.writeFileSync(
    file,
    "You are a math teacher grading student work.\n\nQuestion: __QUESTION_PLACEHOLDER__ \n\nStudent Solution: __SOLUTION_PLACEHOLDER__\n\nTeacher Verification:\n",
  );
  const t = loadTemplateFile(file);
  assert.equal(t.format, "spark");
  const [m] = renderPrompt(t, { ...input, solution: "S" });
  assert.ok(m, "the rendered message");
  assert.equal(m.content, "You are a math teacher grading student work.\n\nQuestion: What is (2 + 3) * 4? \n\nStudent Solution: S\n\nTeacher Verification:");
  // A reference goes before the lead when the file has no placeholder for it.
  assert.ok(
    itemAt(renderPrompt(t, { ...input, solution: "S", reference: "20" }), 0, "the user message").content.endsWith(
      "Student Solution: S\n\nExpected Answer: 20\n\nTeacher Verification:",
    ),
  );
  const ref = path.join(dir, "spark-published-reference.txt");
  fs.writeFileSync(ref, "Q: __QUESTION_PLACEHOLDER__\nS: __SOLUTION_PLACEHOLDER__\nExpected Answer: __EXPECTED_ANSWER_PLACEHOLDER__\nTeacher Verification:");
  assert.equal(
    renderPrompt(loadTemplateFile(ref), { ...input, solution: "S", reference: "20" })[0]?.content,
    "Q: What is (2 + 3) * 4?\nS: S\nExpected Answer: 20\nTeacher Verification:",
  );
});

test("constrained mode sends the JSON schema (enum verdicts, one key per step, bounded critiques) and parses the JSON", async () => {
  const json = JSON.stringify({
    steps: {
      step_1: { critique: "ok", verdict: "correct" },
      step_2: { critique: "20 not 21", verdict: "incorrect" },
      step_3: { critique: "follows", verdict: "incorrect" },
    },
    answerCorrect: "no",
  });
  const engine = scriptedEngine(() => [json, json]);
  const r = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.spark, samples: 2, constrained: { maxCritiqueChars: 40 } });
  const request = itemAt(engine.requests.generate, 0, "the verification request");
  const schema = request.jsonSchema as {
    properties: { steps: { properties: Record<string, { properties: { verdict: { enum: string[] }; critique: { maxLength: number } } }> } };
  };
  assert.deepEqual(Object.keys(schema.properties.steps.properties), ["step_1", "step_2", "step_3"]);
  const step2 = schema.properties.steps.properties.step_2;
  assert.ok(step2, "step_2 in the schema");
  assert.deepEqual(step2.properties.verdict.enum, ["correct", "incorrect"]);
  assert.equal(step2.properties.critique.maxLength, 40);
  assert.ok((request.maxTokens ?? 0) >= 3 * 40, "the token budget fits the longest JSON the grammar allows");
  assert.ok(JSON.stringify(request.prompt).includes("step_3"));
  assert.equal(r.final.firstError, 1);
  assert.equal(r.final.steps[1]?.critique, "20 not 21");
  const critic = verificationSchema("processbench", 4) as { properties: { firstError: { enum: number[] } } };
  assert.deepEqual(critic.properties.firstError.enum, [-1, 0, 1, 2, 3]);
});

test("the ProcessBench critic template tags paragraphs from 0 and its \\boxed{} answers are voted", async () => {
  const engine = scriptedEngine(() => ["... \\boxed{1}", "\\boxed{1}", "\\boxed{-1}", "no answer"]);
  // --aggregate step is overridden: the critic format gives no step verdicts, only the index.
  const r = await verifyTrace(engine, input, { template: BUILTIN_TEMPLATES.processbench, samples: 4, aggregate: "step" });
  assert.equal(r.aggregate.mode, "first-error");
  const prompt = JSON.stringify(itemAt(engine.requests.generate, 0, "the verification request").prompt);
  assert.ok(prompt.includes("<paragraph_0>\\n2 + 3 = 5.\\n</paragraph_0>"));
  assert.ok(prompt.includes("-1 to 2"));
  assert.deepEqual(r.aggregate.firstErrorVote.counts, { "-1": 1, "1": 2 });
  assert.equal(r.aggregate.malformed, 1);
  assert.equal(r.final.firstError, 1);
});

test("cancellation: an aborted signal stops the pipeline with CancelledError", async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    verifyTrace(
      scriptedEngine(() => ["x"]),
      input,
      { template: BUILTIN_TEMPLATES.spark, samples: 1 },
      { signal: ac.signal },
    ),
    CancelledError,
  );
  const cut = scriptedEngine(() => ["x"]);
  cut.generate = async () => [{ text: "## Step 1", finishReason: "cancelled", tokens: 1 }];
  await assert.rejects(verifyTrace(cut, input, { template: BUILTIN_TEMPLATES.spark, samples: 1 }), CancelledError);
});

test("a trace with no steps is refused with a clear error", async () => {
  await assert.rejects(
    verifyTrace(
      scriptedEngine(() => ["x"]),
      { problem: "p", steps: [] },
      { template: BUILTIN_TEMPLATES.spark },
    ),
    /no steps/,
  );
});

test("templates: placeholders filled once (text in the trace that looks like a placeholder stays), few-shot turns, files", () => {
  const msgs = renderPrompt(BUILTIN_TEMPLATES.spark, { problem: "Find {{steps}} __SOLUTION_PLACEHOLDER__", steps: ["a {{problem}}"] });
  const [user] = msgs;
  assert.ok(user, "the user message");
  assert.equal(user.role, "user");
  assert.ok(user.content.includes("Find {{steps}} __SOLUTION_PLACEHOLDER__"));
  assert.ok(user.content.includes("Step 1: a {{problem}}"));
  assert.equal(renderSteps(["x", "y"], "step"), "Step 1: x\nStep 2: y");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-tpl-"));
  const txt = path.join(dir, "mine.txt");
  fs.writeFileSync(txt, "---\nformat: thinkprm\n---\nProblem: {{problem}}\n{{steps}}\n{{reference}}Grade it.");
  const t = resolveTemplate("mine.txt", dir);
  assert.deepEqual([t.format, t.stepStyle], ["thinkprm", "step"]);
  const withRef = renderPrompt(t, { problem: "P", steps: ["s"], reference: "7" });
  assert.equal(withRef.length, 1);
  assert.ok(only(withRef, "the user message").content.includes("Expected Answer: 7") && only(withRef, "the user message").content.endsWith("Grade it."));
  matchSnapshot("prompts/file-thinkprm-front-matter-reference.txt", asText(withRef));
  const js = path.join(dir, "shots.json");
  fs.writeFileSync(
    js,
    JSON.stringify({ format: "processbench", user: "{{problem}}\n{{steps}}", fewShot: [{ problem: "1+1", steps: ["=2"], verification: "\\boxed{-1}" }] }),
  );
  const fs2 = renderPrompt(loadTemplateFile(js), { problem: "P", steps: ["s"] });
  assert.deepEqual(
    fs2.map((m) => m.role),
    ["user", "assistant", "user"],
  );
  assert.ok(itemAt(fs2, 0, "the few-shot user turn").content.includes("<paragraph_0>\n=2\n</paragraph_0>"));
  // A reference given to a template without {{reference}} is appended.
  const fewShotWithReference = renderPrompt(loadTemplateFile(js), { problem: "P", steps: ["s"], reference: "9" });
  assert.ok(itemAt(fewShotWithReference, 2, "the user turn after the few-shot example").content.endsWith("Expected Answer: 9"));
  matchSnapshot("prompts/file-processbench-few-shot-reference.txt", asText(fewShotWithReference));
});

test("template errors name the file, the line and the fix", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-tpl-"));
  const bad = path.join(dir, "bad.txt");
  fs.writeFileSync(bad, "---\nformat: spark\n---\nProblem {{problem}}\nSteps {{stepz}}\n");
  assert.throws(
    () => loadTemplateFile(bad),
    (e: Error & { details?: { line?: number; file?: string } }) => e.message.includes("{{stepz}}") && e.details?.line === 5 && e.details.file === bad,
  );
  const noSteps = path.join(dir, "nosteps.txt");
  fs.writeFileSync(noSteps, "Problem {{problem}}");
  assert.throws(() => loadTemplateFile(noSteps), /never uses \{\{steps\}\}/);
  const fmt = path.join(dir, "fmt.txt");
  fs.writeFileSync(fmt, "---\nformat: orm\n---\n{{problem}} {{steps}}");
  assert.throws(() => loadTemplateFile(fmt), /format "orm"/);
  assert.throws(() => resolveTemplate("does-not-exist.txt", dir), /cannot read the template file/);
  const badJson = path.join(dir, "t.json");
  fs.writeFileSync(badJson, "{");
  assert.throws(() => loadTemplateFile(badJson), /not valid JSON/);
});
