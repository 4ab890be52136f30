// PLACEHOLDER: replaced by the real command (work in progress in this session).
import type { CliCommand } from "../command";
export const verifyCommand: CliCommand = {
  name: "verify",
  summary: "(in progress)",
  help: "steplens verify (in progress)",
  async run() {
    throw new Error("steplens verify is not built yet");
  },
};
