#!/usr/bin/env node
// Local-engine benchmarks: one-pass vs per-prefix PRM scoring, scorer overhead, K parallel
// sequences, re-scoring after an edit, the judge adapter's cost, forking. Runs on generated GGUFs
// with RANDOM weights (tiny, and a ~100M-parameter one cached in out/test-models/): it measures the
// engine's work, not judgement. Writes bench/results/engine.json and bench/results/engine.md.
//
// Usage: node bench/engine.mjs [--quick] [--reps N] [--reps-100m N]   (--quick: the tiny model only;
// medians of N repetitions, default 5 on the tiny model and 1 on the 100M one)
// The measurement code is bench/engineBench.ts, bundled and run by bench/runTs.mjs.
import { runTsBench } from "./runTs.mjs";

await runTsBench("engine");
