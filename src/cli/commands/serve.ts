// PLACEHOLDER: replaced by the real command (work in progress in this session).
import type { CliCommand } from "../command";
export const serveCommand: CliCommand = {
  name: "serve",
  summary: "(in progress)",
  help: "steplens serve (in progress)",
  async run() {
    throw new Error("steplens serve is not built yet");
  },
};
