/** Small hand-built traces and results shared by the annotations tests (not a test file itself). */
import type { SourceRange, Trace, TraceLabels } from "../../src/core/trace";
import type { Engine, ScoreResult } from "../../src/engines/engine";
import { fakeEngine } from "../support/fakeEngine";
import type { VerificationView } from "../../src/annotations/stepAnnotations";
import { itemAt } from "../support/indexing";

/** A text trace whose step k sits on line k + 2 ("Step k+1: <text>"), with real offsets. */
export function textTrace(stepTexts: string[], labels: TraceLabels | null = null): Trace {
  const lines = ["Problem: what is 2 + 2?", "", ...stepTexts.map((t, i) => `Step ${i + 1}: ${t}`)];
  const lineStarts: number[] = [];
  let offset = 0;
  for (const l of lines) {
    lineStarts.push(offset);
    offset += l.length + 1;
  }
  const range = (line: number): SourceRange => {
    const text = itemAt(lines, line, "the fixture line");
    const startOffset = itemAt(lineStarts, line, "the fixture line's start");
    return { start: { line, character: 0 }, end: { line, character: text.length }, startOffset, endOffset: startOffset + text.length };
  };
  return {
    format: "text",
    problem: "what is 2 + 2?",
    problemRange: range(0),
    steps: stepTexts.map((text, index) => ({ index, text, range: range(index + 2) })),
    finalAnswer: null,
    finalAnswerRange: null,
    labels,
    source: { file: "/ws/traces/a.md" },
  };
}

export function scoreResult(scores: number[], extra: Partial<ScoreResult> = {}): ScoreResult {
  return {
    steps: scores.map((score, index) => ({ index, score, margin: Math.log(score / (1 - score)) })),
    model: "tiny-prm.gguf",
    adapter: "math-shepherd",
    evaluatedTokens: 40,
    traceTokens: 120,
    seconds: 0.42,
    ...extra,
  };
}

/** An aggregate from per-step verdict lists (one string per verifier: "c" correct, "i" incorrect, "-" none). */
export function verification(perStep: string[], tau = 0.5, critiques: Record<number, Record<number, string>> = {}): VerificationView {
  const samples = perStep[0]?.length ?? 0;
  return {
    samples,
    seconds: 12.3,
    steps: perStep.map((v, index) => {
      const correct = [...v].filter((c) => c === "c").length;
      const incorrect = [...v].filter((c) => c === "i").length;
      const missing = [...v].filter((c) => c === "-").length;
      const verdict = correct + incorrect === 0 ? "unknown" : incorrect >= tau * samples ? "incorrect" : "correct";
      const texts = critiques[index] ?? {};
      const list = Object.entries(texts).map(([k, text]) => ({
        verifier: Number(k),
        text,
        verdict: v[Number(k)] === "c" ? ("correct" as const) : v[Number(k)] === "i" ? ("incorrect" as const) : null,
      }));
      const chosen = list.find((c) => c.verdict === verdict) ?? null;
      return { index, correct, incorrect, missing, verdict, critique: chosen ? { verifier: chosen.verifier, text: chosen.text } : null, critiques: list };
    }),
  };
}

/** A SPARK-format verification with these step verdicts, critiques and final verdict. */
export function spark(verdicts: ("correct" | "incorrect")[], critiques: string[], final: "Yes" | "No"): string {
  const body = verdicts.map((v, i) => `## Step ${i + 1}: ${critiques[i]}\n**This step is ${v}.**`).join("\n\n");
  return `${body}\n\n**Verification: Is the answer correct (Yes/No)? ${final}**`;
}

/** An engine whose generate() returns the given verifier outputs (the first n of them; nothing else is used). */
export function scriptedVerifier(outputs: string[]): Engine {
  return fakeEngine({ generations: (req) => outputs.slice(0, req.n ?? 1), tokens: () => 100 });
}
