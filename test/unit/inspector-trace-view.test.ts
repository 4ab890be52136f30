// The inspector's per-trace view model (src/inspector/traceView.ts): the score chart's data, the
// first error by each source, the K × steps agreement matrix built from the real verification
// pipeline (parsing, aggregation, the chosen explanation; a malformed sample included), PAV progress
// in both producers' shapes, and the math splitter the webview renders with KaTeX.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verifyTrace } from "../../src/verify/verifyPipeline";
import { BUILTIN_TEMPLATES } from "../../src/verify/templates";
import { verificationViewOf } from "../../src/annotations/verificationView";
import { buildAnnotations } from "../../src/annotations/stepAnnotations";
import { progressPanelOf, traceViewOf } from "../../src/inspector/traceView";
import { splitMath } from "../../src/inspector/mathSegments";
import { scoreResult, textTrace, scriptedVerifier, spark } from "./annotations-fixtures";
import { itemAt } from "../support/indexing";

const STEPS = ["$2 + 2 = 4$", "so $4 \\times 2 = 9$", "answer $\\boxed{9}$"];

async function verified() {
  const outputs = [
    spark(["correct", "incorrect", "incorrect"], ["Fine.", "4 times 2 is 8, not 9.", "Follows the error."], "No"),
    spark(["correct", "incorrect", "incorrect"], ["Right.", "Wrong product.", "Wrong."], "No"),
    spark(["correct", "correct", "correct"], ["OK.", "Looks right.", "OK."], "Yes"),
    "I cannot decide.", // malformed
  ];
  const result = await verifyTrace(
    scriptedVerifier(outputs),
    { problem: "What is (2 + 2) * 2?", steps: STEPS },
    { template: BUILTIN_TEMPLATES.spark, samples: 4 },
  );
  return { result, view: verificationViewOf(result, "verifier.gguf") };
}

test("one trace: scores, threshold, the first error by PRM / label / dataset, full step text", () => {
  const trace = textTrace(STEPS, { kind: "first-error", firstError: 2 });
  const a = buildAnnotations({ trace, threshold: 0.5, score: scoreResult([0.9, 0.3, 0.2]), labels: new Map([[1, "first-error" as const]]) });
  const s = traceViewOf(trace, a, { uri: "file:///ws/a.trace.md", title: "a.trace.md", tau: 0.5 });
  assert.equal(s.uri, "file:///ws/a.trace.md");
  assert.deepEqual(
    s.steps.map((x) => x.score),
    [0.9, 0.3, 0.2],
  );
  assert.deepEqual(
    s.steps.map((x) => x.scoreText),
    ["0.90", "0.30", "0.20"],
  );
  assert.equal(s.threshold, 0.5);
  assert.equal(s.prmFirstError, 1);
  assert.equal(s.labelFirstError, 1);
  assert.equal(s.groundTruthFirstError, 2, "the dataset's first error is shown apart from the others");
  assert.equal(s.firstError, 1);
  assert.equal(s.firstErrorSource, "label");
  assert.deepEqual(
    s.steps.map((x) => x.groundTruth),
    [true, true, false],
  );
  assert.equal(s.steps[1]?.text, "so $4 \\times 2 = 9$", "the step in full, not a preview");
  assert.equal(s.matrix, null);
  assert.equal(s.progress, null);
  assert.equal(s.model, "tiny-prm.gguf");
  assert.deepEqual(s.actions, { score: true, verify: true, progress: false, label: true });
});

test("the agreement matrix: K rows × steps, verdict per cell (malformed sample included), the aggregate row, τ and the explanation", async () => {
  const { result, view } = await verified();
  const trace = textTrace(STEPS);
  const a = buildAnnotations({ trace, threshold: 0.5, verification: view });
  const s = traceViewOf(trace, a, { uri: "u", title: "t", tau: 0.5 });
  const m = s.matrix!;
  assert.equal(m.samples, 4);
  assert.equal(m.tau, 0.5);
  assert.deepEqual(
    m.rows.map((r) => r.verifier),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    m.rows.map((r) => r.cells.map((c) => c.verdict)),
    [
      ["correct", "incorrect", "incorrect"],
      ["correct", "incorrect", "incorrect"],
      ["correct", "correct", "correct"],
      ["malformed", "malformed", "malformed"],
    ],
  );
  assert.deepEqual(
    m.rows.map((r) => r.malformed),
    [false, false, false, true],
  );
  assert.deepEqual(m.aggregate, ["correct", "incorrect", "incorrect"]);
  assert.equal(m.firstError, 1);
  assert.equal(m.explanation, result.aggregate.explanation, "the verification chosen as the explanation is marked");
  assert.match(
    itemAt(itemAt(m.rows, 0, "row 0").cells, 1, "row 0, verifier 1").critique,
    /4 times 2 is 8, not 9\./,
    "a cell carries that verifier's critique of that step",
  );
  assert.match(itemAt(itemAt(m.rows, 2, "row 2").cells, 1, "row 2, verifier 1").critique, /Looks right\./);
  assert.equal(m.rows[3]?.cells[1]?.critique, "");
  assert.deepEqual(
    s.steps.map((x) => x.verdicts),
    [
      { correct: 3, incorrect: 0, missing: 1 },
      { correct: 1, incorrect: 2, missing: 1 },
      { correct: 1, incorrect: 2, missing: 1 },
    ],
  );
});

test("progress appears when computed: the annotations' shape (qAfter) and the progress pipeline's (q, effective, interval)", () => {
  const trace = textTrace(STEPS);
  const withProgress = buildAnnotations({
    trace,
    threshold: 0.5,
    progress: {
      confidence: 0.9,
      steps: [
        { index: 0, qBefore: 0.5, qAfter: 0.75, advantage: 0.25, interval: [-0.1, 0.5], qInterval: [0.6, 0.9] } as never,
        { index: 1, qBefore: 0.75, qAfter: 0.25, advantage: -0.5 },
      ],
    },
  });
  const s = traceViewOf(trace, withProgress, { uri: "u", title: "t", tau: 0.5 });
  assert.deepEqual(s.progress, {
    confidence: 0.9,
    prover: null,
    samePolicy: null,
    demo: false,
    rows: [
      {
        index: 0,
        qBefore: 0.5,
        qAfter: 0.75,
        advantage: 0.25,
        interval: [0.6, 0.9],
        advantageInterval: [-0.1, 0.5],
        qBase: null,
        qBaseInterval: null,
        effective: null,
      },
      { index: 1, qBefore: 0.75, qAfter: 0.25, advantage: -0.5, interval: null, advantageInterval: null, qBase: null, qBaseInterval: null, effective: null },
    ],
  });
  const plain = buildAnnotations({ trace, threshold: 0.5 });
  const fromPipeline = traceViewOf(trace, plain, {
    uri: "u",
    title: "t",
    tau: 0.5,
    progress: {
      steps: [
        { index: 2, qBefore: 0.4, q: 0.1, advantage: -0.3, effective: 0.07, interval: [0.0, 0.3] },
        { index: 0, qBefore: 0.5, q: 0.6, advantage: 0.1, effective: 0.63, interval: [0.4, 0.8] },
      ],
      prover: "prover.gguf",
    },
  });
  assert.deepEqual(
    fromPipeline.progress!.rows.map((r) => [r.index, r.qAfter, r.effective, r.interval]),
    [
      [0, 0.6, 0.63, [0.4, 0.8]],
      [2, 0.1, 0.07, [0.0, 0.3]],
    ],
  );
  assert.equal(fromPipeline.progress!.prover, "prover.gguf");
  assert.equal(progressPanelOf({ steps: [] }), null, "no rows: no panel");
  assert.equal(progressPanelOf({ steps: [{ index: 0, qBefore: Number.NaN, q: 0.2, advantage: 0 }] }), null, "unusable numbers are left out");
});

test("math segments: $…$, $$…$$, \\(…\\), \\[…\\]; escaped and unclosed dollars and prices stay text", () => {
  const kinds = (t: string) => splitMath(t).map((s) => (s.kind === "text" ? `T:${s.text}` : `${s.display ? "D" : "M"}:${s.tex}`));
  assert.deepEqual(kinds("so $4 \\times 2 = 8$ and $$x^2$$ then \\(a\\) or \\[\\frac{1}{2}\\]"), [
    "T:so ",
    "M:4 \\times 2 = 8",
    "T: and ",
    "D:x^2",
    "T: then ",
    "M:a",
    "T: or ",
    "D:\\frac{1}{2}",
  ]);
  assert.deepEqual(kinds("it costs $5 and $6 more"), ["T:it costs $5 and $6 more"], "a dollar followed by a space on the far side is not math");
  assert.deepEqual(kinds("\\$5 is \\$5"), ["T:\\$5 is \\$5"]);
  assert.deepEqual(kinds("open $x + 1 never closed"), ["T:open $x + 1 never closed"]);
  assert.deepEqual(
    kinds("$\\href{javascript:alert(1)}{x}$"),
    ["M:\\href{javascript:alert(1)}{x}"],
    "math goes to KaTeX's safe mode (trust: false), which never makes a link",
  );
  const hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  assert.deepEqual(kinds(hostile), [`T:${hostile}`], "HTML is plain text");
  const seg = itemAt(splitMath("a $x$ b"), 1, "the math segment");
  assert.equal(seg.kind === "math" && seg.source, "$x$", "the source is kept for the fallback");
});
