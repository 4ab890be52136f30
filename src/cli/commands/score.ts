// PLACEHOLDER: replaced by the real command (work in progress in this session).
import type { CliCommand } from "../command";
export const scoreCommand: CliCommand = {
  name: "score",
  summary: "(in progress)",
  help: "steplens score (in progress)",
  async run() {
    throw new Error("steplens score is not built yet");
  },
};
