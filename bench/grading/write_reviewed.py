# ruff: noqa: E501 - the review notes are long strings
"""Writes bench/grading/reviewed.json from bench/results/grading-disagreements.jsonl (written by
bench/grading-compare.mjs) and the review below: for systematic pairs the verdict they were built
with, with the reason Math-Verify differs (checked per category); for real pairs one note per pair,
read by hand; plus real pairs where both graders agree but ProcessBench's label is not the truth.
A disagreement this script has no review for stops it (review it, add it here, run again).

Usage: python3 bench/grading/write_reviewed.py  (from the repository root)
"""

import json
import subprocess
import sys

WHY = {
    "thousands": "Math-Verify does not read a thousands separator written {,} or \\, (1{,}234), nor a separated number as the gold; equal by construction.",
    "decimal-comma": "Math-Verify does not read a decimal comma (3,14 = 3.14; it reads the set {3, 14}); StepLens reads one comma not followed by exactly three digits as a decimal comma.",
    "currency": "Math-Verify parses nothing from a currency sign inside \\boxed or a gold '\\$12' (or '12 \\text{ dollars}'); the amounts are equal by construction.",
    "percent": "Math-Verify does not equate a percentage with its number in this form (25\\% vs 25); StepLens reads 25\\% as 25 and as 0.25.",
    "mixed-numbers": "Math-Verify reads 2\\frac{1}{2} as the product 2*1/2 = 1, not the mixed number 5/2.",
    "boxed": "Math-Verify does not find \\boxed {...} (a space before the brace) or \\fbox{...}, or takes the earlier of two boxes after a correction; the final box is the answer by construction.",
    "text": "Math-Verify does not compare \\text{...} / \\textbf{...} words or a choice written \\text{(B)}; equal by construction.",
    "degrees": "Math-Verify does not drop the degree sign or the word 'degrees' in these forms (30 degrees vs 30); equal by construction.",
    "inequalities": "Math-Verify does not equate an inequality in one variable with its interval (x > 3 vs (3, \\infty)); StepLens reads the inequality as the interval.",
}

CURRENCY = "Reviewed: Math-Verify parses nothing from the gold (an escaped dollar sign inside $...$), so it is never equal; the gold is the very text of the box. StepLens right."

# Real pairs, by (gold, the end of the prediction): the review of each.
REAL = [
    (
        "-1, 1",
        "The final answer is -1, 1. I hope it is correct.",
        "Reviewed: Math-Verify reads only the first number of the Minerva line 'The final answer is -1, 1'; the box states the whole list. StepLens right.",
    ),
    (
        "-1, 0, 1",
        "The final answer is -1, 0, 1. I hope it is correct.",
        "Reviewed: Math-Verify reads only the first number of the Minerva line; the box states the whole list. StepLens right.",
    ),
    (
        "\\frac{3}{16} = 0.0011_2",
        "0.0011_2. I hope it is correct.",
        "Reviewed: Math-Verify reads the gold as an equation and the base-2 numeral 0.0011_2 as the decimal 0.0011 (from the Minerva line); the boxed text is the gold itself. StepLens right.",
    ),
    (
        "6765, 10945",
        "\\boxed{10945} \\]",
        "Reviewed: two boxes on consecutive display lines ('The final answers are: \\[\\boxed{6765}\\] \\[\\boxed{10945}\\]') state both answers; Math-Verify reads the last only. StepLens right.",
    ),
    (
        "\\left( \\frac{\\pi}{2} \\right) (1 + 2 \\pi |x|) e^{-2 \\pi |x|}",
        "e^{-2 \\pi |x|}}. \\]",
        "Reviewed: the two boxes answer two different transforms ('S(...) = \\boxed{...}' between them); the gold is the last one, Math-Verify reads both as one set. StepLens right by the corpus's rule (ambiguous).",
    ),
]

# Real pairs where both graders agree and ProcessBench's final_answer_correct is not the truth, or neither is right.
CORRECTIONS = [
    (
        "\\frac{\\pi}{6} + k\\pi, \\frac{\\pi}{3} + k\\pi, -\\frac{\\pi}{6}",
        "k \\in \\mathbb{Z}}. \\]",
        True,
        "neither",
        "Reviewed: the same solution set modulo pi (-pi/6 + k pi = 5pi/6 + k pi, -pi/3 + k pi = 2pi/3 + k pi); ProcessBench marks both correct. Neither grader compares periodic families.",
    ),
    (
        "567",
        "\\boxed{\\frac{567}{4}}. \\]",
        False,
        "both",
        "Reviewed: 567 and 567/4 are different values, though ProcessBench marks both final answers correct; the truth here is the values.",
    ),
    (
        "\\frac{4}{17}",
        "\\boxed{1156/4913}.",
        True,
        "both",
        "Reviewed: 1156/4913 = 4/17 exactly; ProcessBench marks this solution's final answer wrong (its process), but the values are equal.",
    ),
    (
        "\\{10, 11, 12, 13, 14\\}, \\{-2, -1, 0, 1, 2\\}",
        "\\boxed{-2, -1, 0, 1, 2} \\]",
        True,
        "neither",
        "Reviewed: the two sequences as two sets against two boxed lists: the same answer; neither grader reads a list of sets against a list of boxes.",
    ),
    (
        "4.0",
        "\\boxed{4.2} \\]",
        False,
        "both",
        "Reviewed: 4.0 and 4.2 are different values, though ProcessBench marks both correct (an approximate answer); the truth here is the values.",
    ),
    (
        "(f(n), g(n)) = (n, 1)",
        "g(n) = 1 \\right)} \\]",
        True,
        "neither",
        "Reviewed: '(f(n), g(n)) = (n, 1)' and '(f(n) = n, g(n) = 1)' state the same functions; neither grader reads one as the other.",
    ),
]


def main() -> None:
    verdicts = {}
    for line in open("bench/results/grading-disagreements.jsonl", encoding="utf-8"):
        if not line.strip():
            continue
        d = json.loads(line)
        if d["category"].startswith("real"):
            notes = [w for g, end, w in REAL if d["gold"] == g and d["pred"].rstrip().endswith(end)]
            if "$" in d["gold"]:
                notes.append(CURRENCY)
            if not notes:
                sys.exit(f"no review for {d['id']}: {d['gold']!r} vs ...{d['pred'][-120:]!r}")
            why = notes[0]
        elif d["category"] in WHY:
            why = WHY[d["category"]]
        else:
            sys.exit(f"no review for category {d['category']} ({d['id']})")
        verdicts[d["id"]] = {"gold": d["gold"], "pred": d["pred"], "truth": d["truth"], "right": d["right"], "why": why}
    corpus = json.loads(
        subprocess.check_output(
            ["node", "-e", 'import("./bench/grading/corpus.mjs").then(m=>console.log(JSON.stringify(m.buildCorpus())))']
        )
    )
    for gold, end, truth, right, why in CORRECTIONS:
        hits = [
            p
            for p in corpus
            if p["category"] == "real-cross" and p["gold"].startswith(gold) and p["pred"].rstrip().endswith(end)
        ]
        if len(hits) != 1:
            sys.exit(f"correction {gold!r} matches {len(hits)} pairs")
        p = hits[0]
        verdicts[p["id"]] = {"gold": p["gold"], "pred": p["pred"], "truth": truth, "right": right, "why": why}
    out = {
        "about": "Every pair of the grading corpus (bench/grading/corpus.mjs) where StepLens and Math-Verify 0.9.0 disagree, with the right verdict ('truth') and who gives it, plus the real pairs where both agree but ProcessBench's final_answer_correct is not the truth, or neither is right ('both' / 'neither'). Written by bench/grading/write_reviewed.py (the review itself is there). test/unit/grading-math-verify.test.ts fails on a disagreement of its sample that is not here.",
        "verdicts": verdicts,
    }
    with open("bench/grading/reviewed.json", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(verdicts)} reviewed verdicts")


if __name__ == "__main__":
    main()
