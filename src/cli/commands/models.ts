// PLACEHOLDER: replaced by the real command (work in progress in this session).
import type { CliCommand } from "../command";
export const modelsCommand: CliCommand = {
  name: "models",
  summary: "(in progress)",
  help: "steplens models (in progress)",
  async run() {
    throw new Error("steplens models is not built yet");
  },
};
