#!/usr/bin/env node
// Answer grading throughput (pairs per second: in-process and through `steplens grade`) and search
// cost (evaluated + generated tokens per problem) of best-of-N vs step-level beam search at the same
// N, on the generated tiny GGUF with RANDOM weights (--100m adds the ~100M-parameter one).
// Writes bench/results/search.json and bench/results/search.md.
//
// Usage: node bench/search.mjs [--problems N] [--gpu auto|off] [--100m]
// The measurement code is bench/searchBench.ts, bundled and run by bench/runTs.mjs.
import { runTsBench } from "./runTs.mjs";

await runTsBench("search");
