#!/usr/bin/env node
// @cortex-js/compute-engine vs StepLens's LaTeX clean-up over mathjs on the grading corpus (the
// README's dependency rationale). Usage: node bench/grading-library.mjs --ce-dir DIR
// (DIR: where `npm install --prefix DIR @cortex-js/compute-engine` put it). Code: bench/gradingLibraryBench.ts.
import { runTsBench } from "./runTs.mjs";

await runTsBench("gradingLibrary");
