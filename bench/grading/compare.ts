/**
 * Shared by bench/gradingCompareBench.ts and test/unit/grading-math-verify.test.ts: Math-Verify's
 * verdicts through the Python test env (bench/grading/math_verify_verdicts.py), the reviewed
 * verdicts (bench/grading/reviewed.json) and the agreement report.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface CorpusPair {
  id: string;
  category: string;
  gold: string;
  pred: string;
  /** The verdict the pair must get, by construction (see corpus.mjs). */
  expected: boolean;
  source: string;
  note?: string;
}

/** One reviewed disagreement: who is right, and why. */
export interface ReviewedVerdict {
  gold: string;
  pred: string;
  /** The right verdict (overrides the corpus's `expected` where construction got it wrong). */
  truth: boolean;
  /** Who gives the truth: one grader, or both / neither where the corpus's own verdict was corrected. */
  right: "steplens" | "math-verify" | "both" | "neither";
  why: string;
}

export const MATH_VERIFY_SCRIPT = "bench/grading/math_verify_verdicts.py";

/** Math-Verify's verdict for every pair (id → equal), from one Python process; rejects on a crash or after timeoutMs. */
export function runMathVerify(python: string, pairs: readonly CorpusPair[], opts: { timeoutMs: number; root?: string }): Promise<Map<string, boolean>> {
  const root = opts.root ?? process.cwd();
  return new Promise((resolve, reject) => {
    const child = spawn(python, [path.join(root, MATH_VERIFY_SCRIPT)], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Math-Verify (${python}) did not answer ${pairs.length} pairs within ${opts.timeoutMs} ms; stderr: ${err.slice(-500)}`));
    }, opts.timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${python}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`Math-Verify exited ${code}: ${err.slice(-1000)}`));
      const verdicts = new Map<string, boolean>();
      for (const line of out.split("\n")) {
        if (!line.trim()) continue;
        const o = JSON.parse(line) as { id: string; equal: boolean };
        verdicts.set(o.id, o.equal);
      }
      if (verdicts.size !== pairs.length)
        return reject(new Error(`Math-Verify answered ${verdicts.size} of ${pairs.length} pairs; stderr: ${err.slice(-500)}`));
      resolve(verdicts);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(pairs.map((p) => JSON.stringify({ id: p.id, gold: p.gold, pred: p.pred })).join("\n") + "\n");
  });
}

export function loadReviewed(file: string): Map<string, ReviewedVerdict> {
  if (!fs.existsSync(file)) return new Map();
  const o = JSON.parse(fs.readFileSync(file, "utf8")) as { verdicts: Record<string, ReviewedVerdict> };
  return new Map(Object.entries(o.verdicts));
}

export interface CategoryFigures {
  pairs: number;
  /** StepLens and Math-Verify give the same verdict. */
  agree: number;
  agreement: number;
  /** Math-Verify's verdict is the right one (the truth: construction, or the reviewed verdict). */
  mathVerifyRight: number;
  /** Of those, StepLens gives the same verdict: the goal is ≥ 99 %. */
  steplensAgreesWhereMathVerifyRight: number;
  steplensRight: number;
  steplensRightMathVerifyWrong: number;
  mathVerifyRightSteplensWrong: number;
  bothWrong: number;
}

export interface Disagreement {
  id: string;
  category: string;
  gold: string;
  pred: string;
  steplens: boolean;
  mathVerify: boolean;
  truth: boolean;
  right: "steplens" | "math-verify";
  reviewed: boolean;
  why: string;
}

function figures(rows: { sl: boolean; mv: boolean; truth: boolean }[]): CategoryFigures {
  const n = rows.length;
  const agree = rows.filter((r) => r.sl === r.mv).length;
  const mvRight = rows.filter((r) => r.mv === r.truth);
  const slAgrees = mvRight.filter((r) => r.sl === r.mv).length;
  const pct = (a: number, b: number) => (b ? Number(((100 * a) / b).toFixed(2)) : 100);
  return {
    pairs: n,
    agree,
    agreement: pct(agree, n),
    mathVerifyRight: mvRight.length,
    steplensAgreesWhereMathVerifyRight: pct(slAgrees, mvRight.length),
    steplensRight: rows.filter((r) => r.sl === r.truth).length,
    steplensRightMathVerifyWrong: rows.filter((r) => r.sl === r.truth && r.mv !== r.truth).length,
    mathVerifyRightSteplensWrong: rows.filter((r) => r.mv === r.truth && r.sl !== r.truth).length,
    bothWrong: rows.filter((r) => r.sl !== r.truth && r.mv !== r.truth).length,
  };
}

/** Agreement overall and per category, every disagreement with who is right, and those not yet reviewed. */
export function agreementReport(
  corpus: readonly CorpusPair[],
  steplens: ReadonlyMap<string, boolean>,
  mathVerify: ReadonlyMap<string, boolean>,
  reviewed: ReadonlyMap<string, ReviewedVerdict>,
  categories: readonly string[],
) {
  const rows = corpus.map((p) => {
    const r = reviewed.get(p.id);
    const matches = r !== undefined && r.gold === p.gold && r.pred === p.pred;
    return { p, sl: steplens.get(p.id)!, mv: mathVerify.get(p.id)!, truth: matches ? r.truth : p.expected, review: matches ? r : undefined };
  });
  const perCategory: Record<string, CategoryFigures> = {};
  for (const c of categories) {
    const inCat = rows.filter((r) => r.p.category === c);
    if (inCat.length) perCategory[c] = figures(inCat);
  }
  const disagreements: Disagreement[] = rows
    .filter((r) => r.sl !== r.mv)
    .map((r) => ({
      id: r.p.id,
      category: r.p.category,
      gold: r.p.gold,
      pred: r.p.pred,
      steplens: r.sl,
      mathVerify: r.mv,
      truth: r.truth,
      right: r.sl === r.truth ? "steplens" : "math-verify",
      reviewed: r.review !== undefined,
      why: r.review?.why ?? r.p.note ?? "",
    }));
  const bothWrong = rows
    .filter((r) => r.sl === r.mv && r.sl !== r.truth)
    .map((r) => ({ id: r.p.id, category: r.p.category, gold: r.p.gold, pred: r.p.pred, verdict: r.sl, truth: r.truth }));
  return {
    summary: { overall: figures(rows), perCategory },
    disagreements,
    unreviewed: disagreements.filter((d) => !d.reviewed),
    bothWrong,
  };
}
