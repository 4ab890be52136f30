// The published rules StepLens follows or offers: SPARK's thinking split (first </think>, unclosed
// <think> recovered from '## Step 1:'), SPARK's first-match final verdict, ProcessBench's official
// critic reading (last \boxed{[^}]*}, int()) and vote (most common, first seen wins a tie) with its
// sampling, next to StepLens's own rules. Realistic outputs from test/fixtures/verifier-outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { officialBoxedAnswer, parseVerification, pythonInt, sparkFinalVerdict } from "../../src/verify/verdictParser";
import { criticVote, officialCriticSampling, officialCriticVote } from "../../src/eval/criticProtocol";
import { criticScorer } from "../../src/eval/scorers";
import { repoRoot } from "../support/repo";
import { fakeEngine } from "../support/fakeEngine";
import { itemAt } from "../support/indexing";

const FIXTURES = path.join(repoRoot(), "test/fixtures/verifier-outputs");
const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f), "utf8");
const letters = (r: ReturnType<typeof parseVerification>) =>
  r.ok ? r.steps.map((s) => ({ correct: "C", incorrect: "I", "not-given": "-" })[s.verdict]).join("") : null;

test("SPARK-style output whose <think> is never closed: recovered from its first '## Step 1:' line, flagged and warned", () => {
  const r = parseVerification(read("spark-unclosed-think-recovered.txt"), { stepCount: 4, format: "spark" });
  assert.ok(r.ok, r.ok ? "" : r.reason);
  assert.equal(letters(r), "CIII");
  assert.equal(r.finalVerdict, "no");
  assert.equal(r.firstError, 1);
  assert.equal(r.recovered, true);
  assert.match(r.thinking ?? "", /Let me write the verification now/);
  assert.ok(!itemAt(r.steps, 0, "step 1").critique.includes("That's given"), "the draft inside the thinking is not read as a critique");
  assert.ok(r.warnings.some((w) => w.includes("never closed")));
  // Cut at the token limit after two steps: what was written is still read.
  const cut = parseVerification(read("spark-unclosed-think-recovered-truncated.txt"), { stepCount: 3, format: "spark", finishReason: "length" });
  assert.ok(cut.ok && cut.recovered === true && cut.truncated);
  assert.equal(letters(cut), "CC-");
  // An unclosed <think> with no verification inside stays malformed.
  const none = parseVerification(read("malformed-only-think-unclosed.txt"), { stepCount: 3, format: "spark" });
  assert.equal(none.ok, false);
});

test("final verdict: StepLens's rule leaves Yes-and-No undetermined; SPARK's first match reads the first pattern that matches", () => {
  const text = read("spark-conflicting-finals.txt");
  const ours = parseVerification(text, { stepCount: 2, format: "spark" });
  const spark = parseVerification(text, { stepCount: 2, format: "spark", finalVerdictRule: "spark" });
  assert.ok(ours.ok && spark.ok);
  assert.equal(ours.finalVerdict, null);
  assert.ok(ours.warnings.some((w) => w.includes("conflicting final verdicts")));
  assert.equal(spark.finalVerdict, "yes");
  // SPARK's pattern order: "Verification: Is the answer correct …? X" first, then the looser ones.
  assert.equal(sparkFinalVerdict("Is the answer correct? No\n**Verification: Is the answer correct (Yes/No)? Yes**"), "yes");
  assert.equal(sparkFinalVerdict("The final answer is correct? yes"), "yes");
  assert.equal(sparkFinalVerdict("Overall the solution is right."), null);
});

test("official critic reading: the last \\boxed{[^}]*} of the whole output, read with int(); anything else is no prediction", () => {
  const official = { format: "processbench" as const, criticIndex: "official" as const };
  const greedy = parseVerification(read("pb-official-greedy.txt"), { stepCount: 3, ...official });
  assert.ok(greedy.ok && greedy.firstError === 1 && greedy.criticAnswer === "1");
  const qwq = parseVerification(read("pb-official-qwq.txt"), { stepCount: 4, ...official });
  assert.ok(qwq.ok && qwq.firstError === -1, "a draft \\boxed{2} earlier does not count: the last box does");
  // \boxed{\text{paragraph 3}}: the official regex stops at the first "}" → "\text{paragraph 3" → no prediction.
  const nested = parseVerification(read("pb-official-nested.txt"), { stepCount: 5, ...official });
  assert.ok(!nested.ok && nested.criticAnswer === "\\text{paragraph 3");
  const lenientNested = parseVerification(read("pb-official-nested.txt"), { stepCount: 5, format: "processbench" });
  assert.ok(lenientNested.ok && lenientNested.firstError === 3, "the lenient mode reads \\text{paragraph 3} as 3");
  // A later box quoting the solution's answer is the official answer (no prediction); lenient skips it.
  const quotes = read("pb-quotes-answer-last.txt");
  assert.equal(parseVerification(quotes, { stepCount: 4, ...official }).ok, false);
  const lenientQuotes = parseVerification(quotes, { stepCount: 4, format: "processbench" });
  assert.ok(lenientQuotes.ok && lenientQuotes.firstError === -1);
  // No box at all: official → no prediction; lenient → the paragraph verdicts, when they say anything.
  assert.equal(parseVerification(read("pb-no-boxed.txt"), { stepCount: 4, ...official }).ok, false);
  // The official script does not strip thinking: a box inside <think> counts when the answer has none.
  const inThink = parseVerification("<think>maybe \\boxed{2}</think>\nI am not sure.", { stepCount: 4, ...official });
  assert.ok(inThink.ok && inThink.firstError === 2);
  assert.deepEqual([officialBoxedAnswer("\\boxed{ 3 } and \\boxed{\\frac{1}{2}}"), officialBoxedAnswer("none")], ["\\frac{1", null]);
  assert.deepEqual(["2", " -1 ", "+3", "1_0", "2.0", "\\text{2}", "²"].map(pythonInt), [2, -1, 3, 10, null, null, null]);
});

test("official vote: most common raw answer, the first seen wins a tie, int() of the winner; StepLens's tie rule as an option", () => {
  assert.deepEqual(officialCriticVote(["2", "1", null, "1", "2"]), { counts: { "2": 2, "1": 2 }, prediction: 2 });
  assert.equal(officialCriticVote(["\\text{3", "\\text{3", "1"]).prediction, null, "a non-integer winner is no prediction");
  assert.equal(officialCriticVote([null, null]).prediction, null);
  const parses = [" \\boxed{-1}", "\\boxed{2}", "\\boxed{-1}", "\\boxed{2}"].map((t) =>
    parseVerification(t, { stepCount: 4, format: "processbench", criticIndex: "official" }),
  );
  assert.equal(criticVote(parses, "official").prediction, -1);
  assert.equal(criticVote(parses, "earliest").prediction, 2, "earliest: -1 loses ties");
});

/** A critic endpoint, scripted: sample i of every generate call returns texts[i mod length]. */
const recorder = (texts: string[]) =>
  fakeEngine({
    generations: (req) => Array.from({ length: req.n ?? 1 }, (_, i) => itemAt(texts, i % texts.length, "the scripted critic text")),
    info: { kind: "openai", device: "x", models: {} },
  });

test("eval's critic scorer runs the official protocol by default: 8 samples at temperature 1, top_p 0.9, seed 42, voted officially", async () => {
  const trace = { problem: "P", steps: ["a", "b", "c"].map((text, index) => ({ index, text, range: null })) } as never;
  const engine = recorder(["\\boxed{1}", "\\boxed{0}", "\\boxed{0}", "\\boxed{1}", "\\boxed{\\text{2}}", "no box", "\\boxed{-1}", "\\boxed{5}"]);
  const scorer = criticScorer(engine, { model: "m" });
  const rec = await scorer.score(trace, {});
  const req = itemAt(engine.requests.generate, 0, "the critic request");
  assert.deepEqual([req.n, req.temperature, req.topP, req.seed], [8, 1, 0.9, 42]);
  assert.ok("prediction" in rec && rec.prediction === 1, JSON.stringify(rec));
  assert.deepEqual(rec.votes, { "1": 2, "0": 2, "\\text{2": 1, "-1": 1, "5": 1 });
  assert.deepEqual([scorer.config.criticIndex, scorer.config.tieRule], ["official", "official"]);
  // The lenient reading with StepLens's tie rule: \text{2} counts as 2, ties go to the earliest step.
  const lenient = criticScorer(recorder(["\\boxed{1}", "\\boxed{\\text{0}}", "\\boxed{0}", "\\boxed{1}"]), {
    model: "m",
    samples: 4,
    criticIndex: "lenient",
    tieRule: "earliest",
  });
  const r2 = await lenient.score(trace, {});
  assert.ok("prediction" in r2 && r2.prediction === 0);
  // One sample: greedy, as the official script.
  const one = recorder(["\\boxed{2}"]);
  await criticScorer(one, { model: "m", samples: 1 }).score(trace, {});
  const greedy = itemAt(one.requests.generate, 0, "the one-sample critic request");
  assert.deepEqual([greedy.n, greedy.temperature, greedy.topP], [1, 0, 1]);
  assert.deepEqual(officialCriticSampling(8), { temperature: 1, topP: 0.9, seed: 42 });
});

test("ProcessBench's critique template file (a Python format string) is read verbatim as a processbench template", async () => {
  const { loadTemplateFile, renderPrompt } = await import("../../src/verify/templates");
  const os = await import("node:os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-pb-tpl-"));
  const file = path.join(dir, "critique_template.txt");
  // The official file's layout (its fields and its escaped braces), not its wording.
  fs.writeFileSync(file, "Problem and paragraphs from 0:\n\n[Math Problem]\n\n{problem}\n\n[Solution]\n\n{tagged_response}\n\nAnswer in \\boxed{{}}.\n");
  const t = loadTemplateFile(file);
  assert.deepEqual([t.format, t.stepStyle], ["processbench", "paragraph"]);
  const [m] = renderPrompt(t, { problem: "What is {x}?", steps: ["a", "b"] });
  assert.ok(m, "the rendered message");
  assert.equal(
    m.content,
    "Problem and paragraphs from 0:\n\n[Math Problem]\n\nWhat is {x}?\n\n[Solution]\n\n<paragraph_0>\na\n</paragraph_0>\n\n<paragraph_1>\nb\n</paragraph_1>\n\nAnswer in \\boxed{}.",
  );
});

test("steplens verify reports how many verifications were recovered from an unclosed <think> (JSON and listing)", async () => {
  const { createVerifyCommand } = await import("../../src/cli/commands/verify");
  const { Writable } = await import("node:stream");
  const os = await import("node:os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-recovered-"));
  const file = path.join(dir, "flamingos.trace.md");
  fs.writeFileSync(file, "Problem: flamingos\n\nStep 1: a\n\nStep 2: b\n\nStep 3: c\n\nStep 4: d\n");
  const outputs = [read("spark-unclosed-think-recovered.txt"), read("spark-canonical.txt"), read("malformed-only-think-unclosed.txt")];
  const run = async (extra: string[]) => {
    const out: string[] = [];
    const sink = (into: string[]) => new Writable({ write: (ch, _e, cb) => (into.push(String(ch)), cb()) });
    const cmd = createVerifyCommand(async () => recorder(outputs));
    const code = await cmd.run([file, "--model", "scripted", "--samples", "3", ...extra], {
      stdout: sink(out),
      stderr: sink([]),
      env: {},
      signal: new AbortController().signal,
      isTTY: false,
    });
    return { code, out: out.join("") };
  };
  const json = await run(["--json"]);
  assert.equal(json.code, 0);
  const j = JSON.parse(json.out);
  assert.deepEqual([j.aggregate.valid, j.aggregate.recovered, j.aggregate.malformed], [2, 1, 1]);
  const text = await run([]);
  assert.match(text.out, /2 parsed \(1 recovered from an unclosed <think>\), 1 malformed/);
});
