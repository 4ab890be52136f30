import path from "node:path";

/** Shown wherever a score or verdict from a generated random-weight model appears (editor and CLI). */
export const DEMO_NOTICE = "demo: scores are meaningless";

/** File-name prefix of the demo model the extension generates (random weights). */
export const DEMO_MODEL_PREFIX = "steplens-demo-";
/** File-name prefix of the test suite's generated models (random weights too). */
export const TEST_MODEL_PREFIX = "steplens-test-";

/** True when `spec` (a model setting, a path or a result's model name) is a generated random-weight model. */
export function isDemoModel(spec: string | null | undefined): boolean {
  if (!spec) return false;
  const base = path.basename(spec.trim());
  return base.startsWith(DEMO_MODEL_PREFIX) || base.startsWith(TEST_MODEL_PREFIX);
}
