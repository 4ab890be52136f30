#!/usr/bin/env node
// The dataset dashboard on a 3,400-record ProcessBench set with step scores: host-side time from
// opening to the first summary, and per threshold move (see bench/dashboardBench.ts, bundled here
// with esbuild). Browser-side figures come from the e2e run and are merged in when present.
// Usage: node bench/dashboard.mjs   Results: bench/results/dashboard.json
import { runTsBench } from "./runTs.mjs";

await runTsBench("dashboard");
