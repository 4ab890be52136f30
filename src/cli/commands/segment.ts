// PLACEHOLDER: replaced by the real command (work in progress in this session).
import type { CliCommand } from "../command";
export const segmentCommand: CliCommand = {
  name: "segment",
  summary: "(in progress)",
  help: "steplens segment (in progress)",
  async run() {
    throw new Error("steplens segment is not built yet");
  },
};
