/**
 * The ProcessBench labels as a lookup by the trace itself, for scripted engines that "know the
 * labels" (a PRM scoring the labelled first error low): the runner under test sends a record's
 * problem and steps, the lookup answers with the data's label. Not a test file.
 */
import assert from "node:assert/strict";

export interface LabelledTrace {
  problem: string;
  steps: readonly string[];
  label: number;
}

/** label(problem, steps) for the given records; fails when the trace is not one of them. */
export function labelLookup(records: Iterable<LabelledTrace>): (problem: string, steps: readonly string[]) => number {
  const key = (problem: string, steps: readonly string[]) => problem + "\u0000" + steps.join("\u0000");
  const byTrace = new Map<string, number>();
  for (const r of records) byTrace.set(key(r.problem, r.steps), r.label);
  return (problem, steps) => {
    const label = byTrace.get(key(problem, steps));
    assert.ok(label !== undefined, "the runner sends the record's own problem and steps");
    return label;
  };
}
