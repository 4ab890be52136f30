#!/usr/bin/env node
// PAV progress rollouts: every prefix forked from the trace evaluated once vs re-evaluating each
// rollout's prefix from scratch, M = 4 and 16, on a 20-step trace, on generated GGUFs with RANDOM
// weights (the tiny one at M = 4 and 16, and the ~100M-parameter one at M = 4, or 4 and 16 with
// --full, unless --quick): prefix tokens evaluated and wall time. Writes bench/results/progress.json
// and bench/results/progress.md.
//
// Usage: node bench/progress.mjs [--quick | --full] [--max-tokens N] [--gpu auto|off]
// The measurement code is bench/progressBench.ts, bundled and run by bench/runTs.mjs.
import { runTsBench } from "./runTs.mjs";

await runTsBench("progress");
