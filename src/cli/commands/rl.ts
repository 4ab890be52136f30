/** `steplens rl init|launch` (placeholder while the run-folder templates land). */
import type { CliCommand } from "../command";
import { UsageError } from "../command";

export const rlCommand: CliCommand = {
  name: "rl",
  summary: "set up and launch RL with the StepLens reward server (verl, OpenRLHF, TRL)",
  help: "Usage: steplens rl init|launch …",
  async run(): Promise<number> {
    throw new UsageError("not ready");
  },
};
