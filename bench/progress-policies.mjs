#!/usr/bin/env node
// PAV progress with two policies (base policy π ≠ prover μ) vs one (π = μ), measured in one run on
// generated GGUFs with RANDOM weights: tokens evaluated per step (prefix tokens + rollout tokens),
// goal ≤ 2.05×. Writes bench/results/progress-policies.json and .md.
//
// Usage: node bench/progress-policies.mjs [--quick] [--rollouts M] [--max-tokens N] [--gpu auto|off]
// The measurement code is bench/progressPoliciesBench.ts, bundled and run by bench/runTs.mjs.
import { runTsBench } from "./runTs.mjs";

await runTsBench("progress-policies", "bench/progressPoliciesBench.ts");
