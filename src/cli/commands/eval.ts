// PLACEHOLDER: replaced by the real command (work in progress in this session).
import type { CliCommand } from "../command";
export const evalCommand: CliCommand = {
  name: "eval",
  summary: "(in progress)",
  help: "steplens eval (in progress)",
  async run() {
    throw new Error("steplens eval is not built yet");
  },
};
