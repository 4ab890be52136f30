#!/usr/bin/env node
// Benchmarks on the real model (Gemma 3 270M Q4_K_M from the Python registry, installed into
// .test-env/models by `npm run setup`; STEPLENS_REAL_MODEL points elsewhere): scoring overhead vs a
// bare controlledEvaluate, first-token log-probs over the 262k vocabulary, generation tokens/s vs a
// bare loop, K parallel vs sequential, constrained-verification grammars. CPU only. Writes
// bench/results/real-model.json. Figures measure the engine's work, not the model's judgement.
//
// Usage: node bench/real-model.mjs [--reps N] [--tokens N]   (medians of N interleaved repetitions, default 3;
// N generated tokens per sample, default 48). The measurement code is bench/realModelBench.ts.
import { runTsBench } from "./runTs.mjs";

await runTsBench("realModel");
