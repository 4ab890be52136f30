#!/usr/bin/env node
// The reward log's cost on rewards/s (with vs without --reward-log, the tiny GGUF judge and an
// instant one) and the live dataset's time from an appended line to the index that tails the log
// (100k rollouts already in it). Writes bench/results/reward-log.json.
// Usage: node bench/reward-log.mjs [--rounds 6] [--requests 40] [--records 100000]
// The measurement code is bench/rewardLogBench.ts, bundled and run by bench/runTs.mjs.
import { runTsBench } from "./runTs.mjs";

await runTsBench("rewardLog");
