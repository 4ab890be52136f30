/**
 * "Did you mean …?" for a mistyped command or flag: the closest known name by edit distance
 * (insertions, deletions, substitutions and swaps of two neighbours each count 1), when it is close
 * enough to be a typo (at most 1 edit for names up to 4 characters, 2 up to 8, 3 beyond). No
 * `vscode` import.
 */

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // d[i][j]: the distance between a's first i and b's first j characters, filled row by row.
  const d: number[][] = [];
  const cell = (i: number, j: number): number => {
    const distance = d[i]?.[j];
    if (distance === undefined) throw new Error(`editDistance: cell (${i}, ${j}) read before it was filled`);
    return distance;
  };
  for (let i = 0; i <= m; i++) {
    const row = [i];
    d.push(row);
    for (let j = 1; j <= n; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(cell(i - 1, j) + 1, cell(i, j - 1) + 1, cell(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, cell(i - 2, j - 2) + 1);
      row.push(distance);
    }
  }
  return cell(m, n);
}

/** The known name closest to `typed` when it is close enough to be a typo, else undefined. */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const t = typed.toLowerCase();
  if (t.length > 64) return undefined; // not a typo; and the table stays small
  const limit = t.length <= 4 ? 1 : t.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = editDistance(t, name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return bestDistance <= limit ? best : undefined;
}
