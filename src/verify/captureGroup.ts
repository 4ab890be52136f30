/**
 * A capture group that a pattern always sets when it matches (a group outside any `?`, `*` or `|`):
 * read with a check, so a pattern edited into an optional group fails here, by name, instead of as
 * `undefined` further on. No `vscode` import.
 */

/** Group `n` of `match`; throws when the group did not take part in the match (a bug in the pattern). */
export function captureGroup(match: RegExpMatchArray, n: number): string {
  const group = match[n];
  if (group === undefined) throw new Error(`internal: capture group ${n} did not take part in the match ${JSON.stringify(match[0].slice(0, 80))}`);
  return group;
}
