#!/usr/bin/env node
// `steplens synthesize` benchmarks: pipeline overhead against `steplens serve` vs a bare client, the
// local engine's K = 8 parallel generation vs a bare node-llama-cpp loop, peak RSS for 1k vs 10k
// problems, and the resume cost on a folder of 30k records. RANDOM-weight generated models: this
// measures the pipeline and the engine, not judgement. Writes bench/results/synthesis.json.
//
// Usage: node bench/synthesis.mjs [--quick]   (needs dist/cli.js: node src/build/build.mjs)
// The measurement code is bench/synthesisBench.ts, bundled and run by bench/runTs.mjs.
import { runTsBench } from "./runTs.mjs";

await runTsBench("synthesis");
