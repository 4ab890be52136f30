/**
 * An input file or folder the user named: its stats, or an error that names it and says what to
 * give instead. No `vscode` import here.
 */
import fs from "node:fs";
import { StepLensError } from "./errors";

/** `fs.statSync(input)`; a path that does not exist is "no such file or folder" with `hint`. */
export function statInput(input: string, hint: string): fs.Stats {
  try {
    return fs.statSync(input);
  } catch {
    throw new StepLensError("no such file or folder", { file: input, hint });
  }
}
