/**
 * Why a synthesis folder has no usable step labels, said precisely for export's "no labels" error:
 * every verification malformed (with the most frequent reason), solutions without steps, solutions
 * that did not fit the verifier's context, failed calls, or a run that has not labelled anything yet.
 * Reads labels.jsonl and failures.jsonl once each (streamed). No `vscode` import.
 */
import path from "node:path";
import { jsonLines, SYNTHESIS_FILES } from "./synthesisSolutions";

export interface NoLabelsReason {
  /** One sentence: what the folder holds instead of labels. */
  reason: string;
  /** What to do about it. */
  hint: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export async function synthesisNoLabelsReason(dir: string, signal?: AbortSignal): Promise<NoLabelsReason> {
  let labelRecords = 0;
  let undecided = 0;
  let noSteps = 0;
  let noVerdict = 0;
  const rules = new Set<string>();
  let verifications = 0;
  let malformed = 0;
  const reasons = new Map<string, number>();
  for await (const { value } of jsonLines(path.join(dir, SYNTHESIS_FILES.labels), { signal })) {
    labelRecords++;
    if (value.status === "no-steps") noSteps++;
    else if (value.status === "undecided") undecided++;
    else if (Array.isArray(value.labels) && value.labels.every((l) => l === null)) {
      noVerdict++;
      if (typeof value.rule === "string") rules.add(value.rule);
    }
    const votes = value.votes as { k?: unknown; malformed?: unknown; malformedReasons?: unknown } | undefined;
    if (value.status !== "no-steps" && votes) {
      verifications += typeof votes.k === "number" ? votes.k : 0;
      malformed += typeof votes.malformed === "number" ? votes.malformed : 0;
      if (Array.isArray(votes.malformedReasons)) for (const r of votes.malformedReasons) if (typeof r === "string") reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
  }
  const failed = new Map<string, number>();
  for await (const { value } of jsonLines(path.join(dir, "failures.jsonl"), { signal })) {
    const stage = typeof value.stage === "string" ? value.stage : "other";
    failed.set(stage, (failed.get(stage) ?? 0) + 1);
  }
  const parts: string[] = [];
  if (undecided && malformed === verifications && verifications > 0) {
    const top = [...reasons.entries()].sort((a, b) => b[1] - a[1])[0];
    parts.push(
      `all ${plural(verifications, "verification")} of ${plural(undecided, "solution")} were malformed${top ? ` (most often: "${top[0]}", ${top[1]}×)` : ""}`,
    );
  } else if (undecided) parts.push(`${plural(undecided, "solution")} had no step verdict from any verification (${malformed} of ${verifications} malformed)`);
  if (noVerdict)
    parts.push(`${plural(noVerdict, "solution")} parsed but got no step label under the ${[...rules].join("/") || "chosen"} rule (every step undetermined)`);
  if (noSteps) parts.push(`${plural(noSteps, "solution")} had no steps to verify`);
  const unverifiable = failed.get("unverifiable") ?? 0;
  if (unverifiable) parts.push(`${plural(unverifiable, "solution")} did not fit the verifier's context (failures.jsonl)`);
  const calls = (failed.get("solution") ?? 0) + (failed.get("verification") ?? 0) + (failed.get("label") ?? 0);
  if (calls) parts.push(`${plural(calls, "call")} failed (failures.jsonl)`);
  if (!labelRecords && !parts.length) parts.push("the run has not labelled any solution yet (labels.jsonl is empty)");

  const hints: string[] = [];
  if (malformed)
    hints.push("A small or random-weight verifier cannot hold the free-text format: synthesize again with --constrained (into a new --out folder).");
  if (noVerdict) hints.push("Another --aggregate rule may decide the steps (all three are recorded in labels.jsonl's `rules`).");
  if (unverifiable) hints.push("Raise --context-size and redo them with --retry-failed.");
  if (calls) hints.push("Redo the failed calls with --retry-failed.");
  if (!labelRecords && !calls && !unverifiable) hints.push("Wait until the synthesis has labelled solutions, or add --labels.");
  return { reason: parts.join("; "), hint: hints.join(" ") || "Add --labels with human labels, or synthesize with another verifier." };
}
