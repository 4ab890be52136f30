/** What one search over one problem produces (best-of-N and beam search alike). No `vscode` import here. */
import type { TokenCount } from "./candidate";

export interface SearchOutcome {
  /** The chosen solution, as steps. */
  steps: string[];
  /** Its stated final answer (null when it states none). */
  answer: string | null;
  /** Its solution score under the scorer (null when the scorer gave none). */
  score: number | null;
  /** Candidates the choice was made among (full solutions, or finished beams). */
  candidates: number;
  /** Step generations (beam search) or solutions (best-of-N) generated. */
  generations: number;
  /** Generator tokens (prompts counted once per call; generated), and the scorer's. */
  generatorTokens: TokenCount;
  scorerTokens: TokenCount;
}

/** The index of the highest score (null scores lose; ties → the first). */
export function bestIndex(scores: readonly (number | null)[]): number {
  let best = -1;
  let bestScore = -Infinity; // the score at `best` once best >= 0
  for (const [i, s] of scores.entries()) {
    if (s === null || Number.isNaN(s)) continue;
    if (best < 0 || s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best < 0 ? 0 : best;
}
