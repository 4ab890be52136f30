// The answer-grading comparison corpus: (gold, prediction) pairs, each with the verdict it must get
// (`expected`), a category and where it came from. Deterministic (no randomness beyond a seeded
// generator): the same files give the same corpus, so a pair's id names the same pair in every run.
//
// Sources:
// - real: the final answers (last \boxed{…}) of ProcessBench's 3,400 solutions
//   (test/fixtures/processbench), the repo's dataset fixtures' gold answers;
//   * real-self: a solution's answer as the gold, the solution's last step (the real text around the
//     box) as the prediction → equal;
//   * real-other: another problem's answer as the gold → different (only answers whose text differs
//     after removing spaces; the few equal-valued ones are listed in reviewed.json);
//   * real-cross: two solutions of the SAME problem; ProcessBench's `final_answer_correct` is the
//     truth: both correct → equal; one correct, one not → different;
// - systematic variants, positive and negative, one category each (see CATEGORIES below).
//
// Used by bench/grading-compare.mjs (the full corpus) and test/unit/grading-math-verify.test.ts (a
// fixed sample). No StepLens code is imported here: the verdicts come from construction.
import fs from "node:fs";
import path from "node:path";

/** The content of the last balanced \boxed{…} of `text` (own brace matcher), or null. */
function lastBoxed(text) {
  const at = text.lastIndexOf("\\boxed");
  if (at < 0) return null;
  const open = text.indexOf("{", at);
  if (open < 0) return null;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "\\") {
      i++;
      continue;
    }
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i).trim();
  }
  return null;
}

/**
 * The boxes of the last step that state one list: the last box, and the boxes before it that are
 * separated from the next one only by punctuation, "and" / "or", \quad, math delimiters or "x ="
 * (e.g. "\boxed{1} and \boxed{2}"); the same box twice counts once. Own rule, written from the
 * pairs' texts, not from either grader.
 */
function listedBoxes(text) {
  const boxes = allBoxed(text).filter((b) => b.content !== "");
  if (!boxes.length) return [];
  const out = [boxes[boxes.length - 1]];
  for (let k = boxes.length - 2; k >= 0; k--) {
    const between = text
      .slice(boxes[k].end, out[0].start)
      .replace(/\\quad|\\text\{\s*(?:and|or)\s*\}|\b(?:and|or)\b|\b[a-z]\s*=/g, "")
      .replace(/[\s$,;()[\]\\]/g, "");
    if (between !== "" || boxes[k].end + 60 < out[0].start) break;
    out.unshift(boxes[k]);
  }
  const seen = new Set();
  return out.map((b) => b.content).filter((c) => !seen.has(squash(c)) && seen.add(squash(c)));
}

/** The top-level \boxed{…} of `text` in order: { content, start, end } (own brace matcher). */
function allBoxed(text) {
  const out = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf("\\boxed", from);
    if (at < 0) return out;
    const open = text.indexOf("{", at);
    if (open < 0) return out;
    let depth = 0;
    let close = -1;
    for (let i = open; i < text.length; i++) {
      if (text[i] === "\\") {
        i++;
        continue;
      }
      if (text[i] === "{") depth++;
      else if (text[i] === "}" && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) return out;
    out.push({ content: text.slice(open + 1, close).trim(), start: at, end: close + 1 });
    from = close + 1;
  }
}

/** FNV-1a (32 bits) of a string, as 8 hex digits. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** mulberry32. */
function seeded(seed) {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function readProcessBench(dir) {
  const out = [];
  for (const subset of ["gsm8k", "math", "olympiadbench", "omnimath"]) {
    const items = JSON.parse(fs.readFileSync(path.join(dir, `${subset}.json`), "utf8"));
    for (const it of items) {
      const last = it.steps[it.steps.length - 1] ?? "";
      // Several boxes in the last step ("\boxed{3} and \boxed{4}") state a list: the gold lists them all.
      const boxes = listedBoxes(last);
      const answer = boxes.length > 1 ? boxes.join(", ") : lastBoxed(last);
      out.push({ id: it.id, subset, problem: it.problem, last, answer, correct: it.final_answer_correct });
    }
  }
  return out;
}

const DATASET_FIXTURES = ["generic.jsonl", "prm800k.jsonl"];

function datasetGolds(root) {
  const golds = [];
  const dir = path.join(root, "test/fixtures/datasets");
  // A fixed list: the corpus (and its pair ids) must not change when other fixtures are added.
  for (const f of DATASET_FIXTURES) {
    for (const line of fs.readFileSync(path.join(dir, f), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const o = JSON.parse(line);
      const g = o.question?.ground_truth_answer ?? o.answer;
      if (typeof g === "string") golds.push({ source: `datasets/${f}`, answer: g });
    }
  }
  return golds;
}

const squash = (s) => s.replace(/\s+/g, "").replace(/\\[,;!]/g, "");

/** Thousands separators for an integer string. */
const withCommas = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

function gcd(a, b) {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Systematic variants. Each entry: [category, gold, prediction, expected]. Numbers come from `nums`
 * (real integer answers of ProcessBench) so the values are the ones graders meet.
 */
function systematic(nums, rand) {
  const pairs = [];
  const add = (category, gold, pred, expected, note) => pairs.push({ category, gold, pred, expected, note });
  const pick = () => nums[Math.floor(rand() * nums.length)];
  const big = nums.filter((n) => n >= 1000);
  for (const n of big.slice(0, 60)) {
    const c = withCommas(n);
    add("thousands", String(n), `The answer is $${c}$.`, true);
    add("thousands", String(n), `\\boxed{${c.replace(/,/g, "{,}")}}`, true);
    add("thousands", String(n), `\\boxed{${c.replace(/,/g, "\\,")}}`, true);
    add("thousands", c, `\\boxed{${n}}`, true);
    add("thousands", String(n), `\\boxed{${withCommas(n + 1)}}`, false);
    add("thousands", String(n), `\\boxed{${c.replace(/,\d{3}$/, "")}}`, false, "separator read as a decimal point would drop digits");
  }
  for (let k = 0; k < 40; k++) {
    const a = pick() % 100;
    const d = 1 + (k % 9);
    const dec = `${a}.${d}${(k * 7) % 10}`;
    add("decimal-comma", dec, `\\boxed{${dec.replace(".", ",")}}`, true);
    add("decimal-comma", `${a}.${d}`, `\\boxed{${a},${d}}`, true);
    add("decimal-comma", dec, `\\boxed{${a},${(d + 1) % 10}${(k * 7) % 10}}`, false);
    add("decimal-comma", `${a}.${d}0`, `\\boxed{${a}.${d}}`, true, "trailing zero");
  }
  for (let k = 0; k < 50; k++) {
    const n = pick();
    add("currency", String(n), `She pays \\$${n} in total, so the answer is \\boxed{\\$${n}}.`, true);
    add("currency", String(n), `\\boxed{${n} \\text{ dollars}}`, true);
    add("currency", `\\$${n}`, `The answer is ${n}.`, true);
    add("currency", String(n), `\\boxed{\\$${n}.00}`, true);
    add("currency", String(n), `\\boxed{\\$${n + 2}}`, false);
  }
  const units = ["cm", "m", "km", "kg", "meters", "inches", "feet", "units", "square units", "cm^2", "hours", "minutes", "mph"];
  for (let k = 0; k < 60; k++) {
    const n = pick();
    const u = units[k % units.length];
    add("units", String(n), `\\boxed{${n} \\text{ ${u}}}`, true);
    add("units", String(n), `The answer is ${n} ${u}.`, true);
    add("units", String(n), `\\boxed{${n}\\,\\mathrm{${u.replace(/\^2/, "")}}}`, true);
    add("units", String(n), `\\boxed{${n + 1} \\text{ ${u}}}`, false);
  }
  for (let k = 1; k <= 40; k++) {
    const p = (k * 7) % 100 || 5;
    add("percent", String(p), `\\boxed{${p}\\%}`, true);
    add("percent", `${p}\\%`, `\\boxed{${p}}`, true);
    add("percent", `${p}\\%`, `The answer is ${p}%.`, true);
    add("percent", String(p), `\\boxed{${p + 1}\\%}`, false);
  }
  const fracCommands = ["\\frac", "\\dfrac", "\\tfrac", "\\cfrac"];
  for (let k = 0; k < 80; k++) {
    let a = 1 + ((k * 13) % 29);
    let b = 2 + ((k * 7) % 31);
    const g = gcd(a, b);
    a /= g;
    b /= g;
    if (b === 1) b = 7;
    const cmd = fracCommands[k % 4];
    add("fractions", `\\frac{${a}}{${b}}`, `\\boxed{${cmd}{${a}}{${b}}}`, true);
    add("fractions", `${a}/${b}`, `\\boxed{${cmd}{${2 * a}}{${2 * b}}}`, true);
    add("fractions", `\\frac{${a}}{${b}}`, `\\boxed{${cmd}{${b}}{${a}}}`, a === b);
    add("fractions", `\\frac{${a}}{${b}}`, `\\boxed{${cmd}{${a}}{${b + 1}}}`, false);
    if ([2, 4, 5, 8, 10, 16, 20, 25].includes(b)) add("fractions", `\\frac{${a}}{${b}}`, `\\boxed{${String(a / b)}}`, true);
  }
  add("fractions", "\\frac12", "\\boxed{0.5}", true);
  add("fractions", "\\frac{1}{3}", "\\boxed{0.3333}", false, "an approximation is not the value");
  for (let k = 0; k < 40; k++) {
    const w = 1 + (k % 9);
    const b = 2 + (k % 7);
    const a = 1 + (k % (b - 1));
    const frac = `${w * b + a}/${b}`;
    add("mixed-numbers", frac, `\\boxed{${w}\\frac{${a}}{${b}}}`, true);
    add("mixed-numbers", `${w}\\frac{${a}}{${b}}`, `\\boxed{\\frac{${w * b + a}}{${b}}}`, true);
    add("mixed-numbers", frac, `\\boxed{${w} ${a}/${b}}`, true);
    add("mixed-numbers", frac, `\\boxed{\\frac{${w * a}}{${b}}}`, w * b + a === w * a, "the product reading of a mixed number is wrong");
  }
  for (let k = 0; k < 50; k++) {
    const n = pick();
    add("boxed", String(n), `So the total is \\boxed{${n}}.`, true);
    add("boxed", String(n), `\\boxed {${n}}`, true);
    add("boxed", String(n), `$\\boxed{${n}}$`, true);
    add("boxed", String(n), `\\fbox{${n}}`, true);
    add("boxed", String(n), `\\boxed{\\boxed{${n}}}`, true);
    add("boxed", String(n), `First \\boxed{${n + 3}} was wrong; the final result is \\boxed{${n}}.`, true);
    add("boxed", String(n), `\\boxed{${n}} is wrong; it is \\boxed{${n + 3}}.`, false);
  }
  for (let k = 0; k < 30; k++) {
    const a = 1 + (k % 11);
    const b = a + 2 + (k % 5);
    add("multi-boxed", `${a}, ${b}`, `The solutions are \\boxed{${a}} and \\boxed{${b}}.`, true);
    add("multi-boxed", `\\{${a}, ${b}\\}`, `So $x = \\boxed{${b}}$ or $x = \\boxed{${a}}$.`, true);
    add("multi-boxed", `${a}, ${b}`, `The solutions are \\boxed{${a}} and \\boxed{${b + 1}}.`, false);
    add("multi-boxed", `${a}, ${b}`, `\\boxed{${a}, ${b}}`, true);
  }
  const phrases = ["The answer is", "the answer is", "Therefore, the final answer is", "So the answer is:", "The final answer is"];
  for (let k = 0; k < 60; k++) {
    const n = pick();
    const p = phrases[k % phrases.length];
    add("answer-is", String(n), `We add the parts. ${p} ${n}.`, true);
    add("answer-is", String(n), `${p} $${n}$. I hope it is correct.`, true);
    add("answer-is", String(n), `${p} ${n + 1}.`, false);
  }
  const words = ["Tuesday", "Yes", "No", "even", "blue", "Alice", "impossible", "right triangle"];
  for (const [k, w] of words.entries()) {
    add("text", w, `\\boxed{\\text{${w}}}`, true);
    add("text", `\\text{${w}}`, `The answer is ${w}.`, true);
    add("text", w, `\\boxed{\\textbf{${w}}}`, true);
    add("text", w, `\\boxed{\\text{${words[(k + 1) % words.length]}}}`, false);
  }
  for (const c of ["A", "B", "C", "D", "E"]) {
    add("text", c, `\\boxed{\\text{(${c})}}`, true);
    add("text", `(${c})`, `\\boxed{${c}}`, true);
    add("text", c, `\\boxed{${c === "A" ? "B" : "A"}}`, false);
  }
  for (let k = 0; k < 40; k++) {
    const d = [30, 45, 60, 90, 120, 135, 150, 36, 72, 108][k % 10] + (k >= 10 ? 1 : 0);
    add("degrees", String(d), `\\boxed{${d}^\\circ}`, true);
    add("degrees", `${d}^\\circ`, `\\boxed{${d}^{\\circ}}`, true);
    add("degrees", String(d), `\\boxed{${d}°}`, true);
    add("degrees", `${d}^\\circ`, `The angle is ${d} degrees, so the answer is ${d}.`, true);
    add("degrees", `${d}^\\circ`, `\\boxed{${d + 15}^\\circ}`, false);
  }
  for (let k = 1; k <= 30; k++) {
    const a = 1 + (k % 7);
    const b = 2 + (k % 5);
    add("pi", `${a}\\pi`, `\\boxed{${a} \\pi}`, true);
    add("pi", `${a}\\pi`, `\\boxed{\\pi \\cdot ${a}}`, true);
    add("pi", `\\frac{${a}\\pi}{${b}}`, `\\boxed{\\frac{${a}}{${b}}\\pi}`, true);
    add("pi", `\\frac{\\pi}{${b}}`, `\\boxed{\\pi/${b}}`, true);
    add("pi", `${a}\\pi`, `\\boxed{${a + 1}\\pi}`, false);
    add("pi", `\\pi`, `\\boxed{3.14}`, false, "an approximation is not the value");
  }
  for (let k = 2; k <= 31; k++) {
    const sq = [2, 3, 5, 6, 7][k % 5];
    const m = 1 + (k % 4);
    add("radicals", `${m}\\sqrt{${sq}}`, `\\boxed{\\sqrt{${m * m * sq}}}`, true);
    add("radicals", `${m}\\sqrt{${sq}}`, `\\boxed{${m}\\sqrt${sq}}`, true);
    add("radicals", `\\frac{\\sqrt{${sq}}}{${m + 1}}`, `\\boxed{\\frac{1}{${m + 1}}\\sqrt{${sq}}}`, true);
    add("radicals", `\\sqrt[3]{${m * m * m}}`, `\\boxed{${m}}`, true);
    add("radicals", `${m}\\sqrt{${sq}}`, `\\boxed{${m}\\sqrt{${sq + 1}}}`, false);
  }
  for (let k = 1; k <= 25; k++) {
    const a = k % 6;
    const s = [2, 3, 5, 7][k % 4];
    add("plus-minus", `${a} \\pm \\sqrt{${s}}`, `\\boxed{${a} + \\sqrt{${s}}, ${a} - \\sqrt{${s}}}`, true);
    add("plus-minus", `${a} \\pm \\sqrt{${s}}`, `\\boxed{${a} - \\sqrt{${s}}, ${a} + \\sqrt{${s}}}`, true);
    add("plus-minus", `\\pm ${k}`, `\\boxed{${k}, -${k}}`, true);
    add("plus-minus", `${a} \\pm \\sqrt{${s}}`, `\\boxed{${a} + \\sqrt{${s}}}`, false);
  }
  for (let k = 1; k <= 30; k++) {
    const items = [k, k + 2, k + 5];
    add("sets", `\\{${items.join(", ")}\\}`, `\\boxed{\\{${[...items].reverse().join(", ")}\\}}`, true);
    add("sets", `\\{${items.join(", ")}\\}`, `\\boxed{${items.join(", ")}}`, true);
    add("sets", items.join(", "), `\\boxed{${[...items].reverse().join(", ")}}`, true);
    add("sets", `\\{${items.join(", ")}\\}`, `\\boxed{\\{${items.slice(0, 2).join(", ")}\\}}`, false);
    add("sets", `\\{${items.join(", ")}\\}`, `\\boxed{\\{${[...items.slice(0, 2), k + 6].join(", ")}\\}}`, false);
  }
  for (let k = 1; k <= 30; k++) {
    const a = k;
    const b = -((k * 3) % 7) - 1;
    add("tuples", `(${a}, ${b})`, `\\boxed{(${a},${b})}`, true);
    add("tuples", `(${a}, ${b})`, `\\boxed{\\left( ${a}, ${b} \\right)}`, true);
    add("tuples", `(${a}, ${b})`, `\\boxed{(${b}, ${a})}`, false);
    add("tuples", `(${a}, ${b}, 0)`, `\\boxed{(${a}, ${b})}`, false);
  }
  for (let k = 1; k <= 30; k++) {
    const a = -k;
    const b = k + 3;
    add("intervals", `(${a}, ${b}]`, `\\boxed{(${a},${b}]}`, true);
    add("intervals", `[${b}, \\infty)`, `\\boxed{[${b},\\infty)}`, true);
    add("intervals", `(-\\infty, ${a}) \\cup (${b}, \\infty)`, `\\boxed{(${b}, \\infty) \\cup (-\\infty, ${a})}`, true);
    add("intervals", `(${a}, ${b}]`, `\\boxed{[${a}, ${b}]}`, false);
    add("intervals", `(${a}, ${b})`, `\\boxed{(${a}, ${b + 1})}`, false);
  }
  for (let k = 1; k <= 25; k++) {
    const a = k - 5;
    const b = k + 2;
    add("inequalities", `(${a}, \\infty)`, `\\boxed{x > ${a}}`, true);
    add("inequalities", `[${a}, \\infty)`, `\\boxed{x \\geq ${a}}`, true);
    add("inequalities", `(-\\infty, ${b}]`, `\\boxed{x \\le ${b}}`, true);
    add("inequalities", `(${a}, ${b}]`, `\\boxed{${a} < x \\leq ${b}}`, true);
    add("inequalities", `(${a}, \\infty)`, `\\boxed{x \\geq ${a}}`, false);
    add("inequalities", `(${a}, ${b}]`, `\\boxed{${a} < x < ${b}}`, false);
  }
  for (let k = 1; k <= 25; k++) {
    const m = (k % 5) + 1;
    const c = k - 10;
    const sign = c < 0 ? "-" : "+";
    add("equations", `y = ${m}x ${sign} ${Math.abs(c)}`, `\\boxed{${m}x - y ${sign} ${Math.abs(c)} = 0}`, true);
    add("equations", `${2 * m}x - 2y ${sign} ${2 * Math.abs(c)} = 0`, `\\boxed{y = ${m}x ${sign} ${Math.abs(c)}}`, true);
    add("equations", `x^2 + y^2 = ${k}`, `\\boxed{${k} = y^2 + x^2}`, true);
    add("equations", `y = ${m}x ${sign} ${Math.abs(c)}`, `\\boxed{y = ${m}x ${sign === "+" ? "-" : "+"} ${Math.abs(c)}}`, c === 0);
    add("equations", `x^2 + y^2 = ${k}`, `\\boxed{x^2 + y^2 = ${k + 1}}`, false);
  }
  add("equations", "2x+4y-3=0", "\\boxed{y=-x/2+3/4}", true);
  add("equations", "2x+4y-3=0", "\\boxed{y=-x/2+3/2}", false);
  for (let k = 1; k <= 25; k++) {
    const [a, b, c, d] = [k, k + 1, 2 * k, -k];
    const env = (e, rows) => `\\begin{${e}}${rows.map((r) => r.join(" & ")).join(" \\\\ ")}\\end{${e}}`;
    const m = [
      [a, b],
      [c, d],
    ];
    add("matrices", env("pmatrix", m), `\\boxed{${env("bmatrix", m)}}`, true);
    add("matrices", env("pmatrix", m), `\\boxed{${env("pmatrix", m)}}`, true);
    add("matrices", env("bmatrix", m), `\\boxed{\\left[\\begin{array}{cc}${m.map((r) => r.join(" & ")).join(" \\\\ ")}\\end{array}\\right]}`, true);
    add("matrices", env("pmatrix", [[`\\frac{${a}}{2}`], [b]]), `\\boxed{${env("pmatrix", [[a / 2], [b]])}}`, true);
    add(
      "matrices",
      env("pmatrix", m),
      `\\boxed{${env("pmatrix", [
        [a, c],
        [b, d],
      ])}}`,
      b === c,
      "the transpose (equal only when the matrix is symmetric)",
    );
    add(
      "matrices",
      env("pmatrix", m),
      `\\boxed{${env("pmatrix", [
        [a, b],
        [c, d + 1],
      ])}}`,
      false,
    );
  }
  for (let k = 1; k <= 20; k++) {
    add("expressions", `(x+${k})^2`, `\\boxed{x^2 + ${2 * k}x + ${k * k}}`, true);
    add("expressions", `(x+${k})^2`, `\\boxed{x^2 + ${k * k}}`, false);
    add("expressions", `\\frac{x^2-${k * k}}{x-${k}}`, `\\boxed{x+${k}}`, true);
    add("expressions", `${k}x`, `\\boxed{${k}y}`, false);
  }
  add("expressions", "\\sin^2 x + \\cos^2 x", "\\boxed{1}", true);
  const near = [
    ["\\frac12", "2"],
    ["[1,2)", "[1,2]"],
    ["(1,2)", "[1,2]"],
    ["0.3333", "\\frac13"],
    ["\\pi", "3.14159"],
    ["1,000", "1"],
    ["1,234", "1.234"],
    ["2\\frac12", "1"],
    ["x = 3", "x = 4"],
    ["e^x", "x^e"],
    ["2^{1024}", "2^{1025}"],
    ["10^{400}", "10^{401}"],
    ["171!", "172!"],
    ["12345678901234567891", "12345678901234567890"],
    ["1.0000001", "1"],
    ["\\sqrt{2}", "1.414"],
    ["-3", "3"],
    ["\\frac{-1}{2}", "\\frac{1}{2}"],
    ["2x", "2y"],
    ["\\{1, 2\\}", "\\{1, 2, 3\\}"],
    ["100", "1000"],
    ["0.1", "0.01"],
    ["\\frac{3}{4}", "\\frac{4}{3}"],
    ["2\\sqrt{3}", "3\\sqrt{2}"],
    ["45", "45.5"],
    ["7", "77"],
    ["10^{-3}", "10^{-4}"],
    ["1e10", "1e11"],
    ["\\infty", "-\\infty"],
    ["30^\\circ", "60^\\circ"],
  ];
  for (const [g, p] of near) {
    add("near-miss", g, `\\boxed{${p}}`, false);
    add("near-miss", p, `The answer is $${g}$.`, false);
  }
  return pairs;
}

/**
 * The corpus: an array of { id, category, gold, pred, expected, source, note? }. `root`: the
 * repository (default the working directory); `dir`: the ProcessBench folder (default
 * test/fixtures/processbench, or $STEPLENS_PROCESSBENCH_DIR).
 */
export function buildCorpus({ root = process.cwd(), dir = process.env.STEPLENS_PROCESSBENCH_DIR || path.join(root, "test/fixtures/processbench") } = {}) {
  const rand = seeded(21);
  const solutions = readProcessBench(dir);
  const pairs = [];
  // Ids from the content (FNV-1a of category, gold and prediction), so a pair keeps its id when
  // pairs are added or removed elsewhere; a repeated pair gets a suffix.
  const seen = new Map();
  const push = (p) => {
    const base = `${p.category}-${fnv1a(`${p.category}\u0000${p.gold}\u0000${p.pred}`)}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    pairs.push({ id: n ? `${base}-${n}` : base, ...p });
  };
  const withAnswer = solutions.filter((s) => s.answer);
  // real-self: the answer against the text it came from.
  for (const s of withAnswer) push({ category: "real-self", gold: s.answer, pred: s.last, expected: true, source: s.id });
  // real-other: another problem's answer (different text) against this text.
  for (let k = 0; k < withAnswer.length; k += 3) {
    const s = withAnswer[k];
    const o = withAnswer[(k * 7 + 101) % withAnswer.length];
    if (o.problem === s.problem || squash(o.answer) === squash(s.answer)) continue;
    push({ category: "real-other", gold: o.answer, pred: s.last, expected: false, source: `${o.id}|${s.id}` });
  }
  // real-cross: two solutions of the same problem, ProcessBench's correctness as the truth.
  const byProblem = new Map();
  for (const s of withAnswer) byProblem.set(s.problem, [...(byProblem.get(s.problem) ?? []), s]);
  for (const group of byProblem.values()) {
    const correct = group.filter((s) => s.correct);
    if (!correct.length) continue;
    const gold = correct[0];
    for (const s of group) {
      if (s === gold) continue;
      push({ category: "real-cross", gold: gold.answer, pred: s.last, expected: s.correct, source: `${gold.id}|${s.id}` });
    }
  }
  for (const g of datasetGolds(root))
    push({ category: "real-datasets", gold: g.answer, pred: `Thus the result is \\boxed{${g.answer}}.`, expected: true, source: g.source });
  const nums = withAnswer
    .map((s) => s.answer)
    .filter((a) => /^\d{1,7}$/.test(a))
    .map(Number)
    .filter((n) => n > 1);
  for (const p of systematic(nums, rand)) push({ ...p, source: "variant" });
  return pairs;
}

export const CATEGORIES = [
  "real-self",
  "real-other",
  "real-cross",
  "real-datasets",
  "thousands",
  "decimal-comma",
  "currency",
  "units",
  "percent",
  "fractions",
  "mixed-numbers",
  "boxed",
  "multi-boxed",
  "answer-is",
  "text",
  "degrees",
  "pi",
  "radicals",
  "plus-minus",
  "sets",
  "tuples",
  "intervals",
  "inequalities",
  "equations",
  "matrices",
  "expressions",
  "near-miss",
];

/** Every `step`-th pair (and every pair of a small category): the fixed sample the test runs. */
export function corpusSample(corpus, step = 20) {
  const perCategory = new Map();
  return corpus.filter((p) => {
    const n = perCategory.get(p.category) ?? 0;
    perCategory.set(p.category, n + 1);
    return n % step === 0;
  });
}
