/**
 * Whole-text snapshots for review (test/snapshots/): the test compares exactly; a change shows in the
 * diff of the snapshot file. STEPLENS_UPDATE_SNAPSHOTS=1 rewrites them (then read the diff before
 * committing). A missing snapshot is a failure naming that command, never a pass.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./repo";

export function snapshotPath(name: string): string {
  return path.join(repoRoot(), "test", "snapshots", name);
}

export function matchSnapshot(name: string, actual: string): void {
  const file = snapshotPath(name);
  if (process.env.STEPLENS_UPDATE_SNAPSHOTS === "1") {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`snapshot ${file} is missing: run the test with STEPLENS_UPDATE_SNAPSHOTS=1, read the file, commit it`);
  assert.equal(actual, fs.readFileSync(file, "utf8"), `${name} differs from its snapshot (STEPLENS_UPDATE_SNAPSHOTS=1 rewrites it; review the diff)`);
}
