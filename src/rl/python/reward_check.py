"""Reward check of an RL run folder (written by steplens rl init).

Asks the StepLens reward server for the rewards of two rollouts through this folder's reward.py,
exactly as the trainer will: one in the layout the format gate accepts, one that breaks it (two
\\boxed{}). Prints what came back and exits 0 when the server answered and the gate behaved,
1 otherwise (with the reason). Run it on any node before a GPU hour is spent:

  python3 reward_check.py
  steplens rl launch . --ray-address http://HEAD:8265 --reward-check   (as a Ray job, on a worker)

STEPLENS_REWARD_URL and STEPLENS_SERVE_TOKEN are read as reward.py reads them.
"""

import os
import socket
import sys

PROBLEM = "Solve 2x + 3 = 7 for x."
FORMATTED = (
    "Step 1: Subtract 3 from both sides: 2x = 4.\n"
    "Step 2: Divide both sides by 2: x = 2.\n"
    "Step 3: Check: 2 * 2 + 3 = 7.\n"
    "<answer>\\boxed{2}</answer>"
)
BROKEN = "Step 1: 2x = 4, so x = \\boxed{2}.\nStep 2: Or x = \\boxed{3}.\n<answer>\\boxed{2}</answer>"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import reward

    url = reward.server_url()
    print(
        "steplens reward check: %s asks %s through %s" % (socket.gethostname(), url, os.path.join(here, "reward.py")),
        flush=True,
    )
    try:
        details = reward.reward_details(
            [{"prompt": PROBLEM, "response": FORMATTED}, {"prompt": PROBLEM, "response": BROKEN}]
        )
    except reward.StepLensRewardError as e:
        print("steplens reward check: FAILED: %s" % e, flush=True)
        return 1
    problems = []
    for name, d in zip(("formatted", "broken"), details):
        gate = d.get("gate") or {}
        reasons = ",".join(gate.get("reasons") or []) or "-"
        demo = " (%s)" % d["demo"] if d.get("demo") else ""
        print(
            "steplens reward check: %s rollout: reward %s, gate %s (%s)%s"
            % (name, d.get("reward"), "passed" if gate.get("passed") else "failed", reasons, demo),
            flush=True,
        )
        if not isinstance(d.get("reward"), (int, float)):
            problems.append("the %s rollout got no numeric reward" % name)
    if not (details[0].get("gate") or {}).get("passed"):
        problems.append("the formatted rollout failed the gate (is the server's gate preset the run's?)")
    if "boxed-count" not in ((details[1].get("gate") or {}).get("reasons") or []):
        problems.append("the rollout with two \\boxed{} was not gated for boxed-count")
    if problems:
        print("steplens reward check: FAILED: %s" % "; ".join(problems), flush=True)
        return 1
    print("steplens reward check: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
