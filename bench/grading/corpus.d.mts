/** Types of corpus.mjs (the answer-grading comparison corpus). */
export interface CorpusPairSpec {
  id: string;
  category: string;
  gold: string;
  pred: string;
  expected: boolean;
  source: string;
  note?: string;
}
export function buildCorpus(opts?: { root?: string; dir?: string }): CorpusPairSpec[];
export const CATEGORIES: string[];
export function corpusSample<T extends { category: string }>(corpus: T[], step?: number): T[];
