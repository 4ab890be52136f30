"""Math-Verify's verdict on (gold, prediction) pairs: JSON lines {"id", "gold", "pred"} on stdin,
JSON lines {"id", "equal", "gold_parsed", "pred_parsed"} on stdout (one per input line, in order).

The gold is given to Math-Verify the way its README does: a bare answer is wrapped in $…$ (a gold
that already has $ or \\boxed is left as it is); the prediction is given as it is. parse() and
verify() run with their own default timeouts (5 s, signal-based: this runs in the main thread).
Used by bench/grading-compare.mjs and test/unit/grading-math-verify.test.ts.
"""

import json
import sys

from math_verify import parse, verify


def gold_text(gold: str) -> str:
    if "$" in gold or "\\boxed" in gold:
        return gold
    return f"${gold}$"


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        out = {"id": item["id"], "equal": False}
        try:
            g = parse(gold_text(item["gold"]))
            p = parse(item["pred"])
            out["gold_parsed"] = [str(x) for x in g]
            out["pred_parsed"] = [str(x) for x in p]
            out["equal"] = bool(verify(g, p))
        except Exception as e:  # one bad pair is reported, the rest are graded
            out["error"] = f"{type(e).__name__}: {e}"[:200]
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
