/**
 * Stage 2 of a synthesis run, the first pass over the problems: how many there are (within --limit
 * and the shard, for progress), how many are skipped as bad records (each reported once), and how
 * many of their labels already exist. Problems are streamed, not kept. No `vscode` import.
 */
import { solutionId } from "../ids";
import type { FolderState } from "../outputFolder";
import { readProblems } from "../problems";
import type { SynthesisOptions } from "../synthesisOptions";

export interface ProblemCount {
  problemsTotal: number;
  skipped: number;
  labelsDoneAtStart: number;
}

export async function countProblems(o: SynthesisOptions, state: FolderState): Promise<ProblemCount> {
  const N = o.solutions;
  let problemsTotal = 0;
  let skipped = 0;
  let labelsDoneAtStart = 0;
  for await (const p of readProblems(o.problemsFile, {
    fields: o.fields,
    shard: o.shard,
    signal: o.signal,
    strict: o.strict,
    onWarning: o.onInputWarning,
    onBadRecord: (e) => {
      skipped++;
      o.onBadProblem?.(e);
    },
  })) {
    if (o.limit !== undefined && problemsTotal >= o.limit) break;
    problemsTotal++;
    for (let s = 0; s < N; s++) if (state.labels.has(solutionId(p.id, s))) labelsDoneAtStart++;
  }
  return { problemsTotal, skipped, labelsDoneAtStart };
}
