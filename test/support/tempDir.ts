/**
 * A temporary folder for one suite (the describe() or file it is called in): made in before(),
 * removed with everything in it in after(). Not a test file itself.
 *
 *   const dir = suiteTempDir("sl-export-");
 *   it("…", () => fs.writeFileSync(path.join(dir.path, "x"), "…"));
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";

export interface SuiteTempDir {
  /** The folder's path (from the suite's before() on). */
  readonly path: string;
}

export function suiteTempDir(prefix: string): SuiteTempDir {
  let dir: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get path() {
      if (!dir) throw new Error(`suiteTempDir(${JSON.stringify(prefix)}) is used before its suite's before() ran`);
      return dir;
    },
  };
}
