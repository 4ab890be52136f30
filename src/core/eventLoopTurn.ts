/**
 * One event-loop turn per caller, in order: `await nextTurn()` resolves on a fresh turn after every
 * earlier caller's turn, so synchronous work done right after it (a reward item's gate and answer
 * grading) runs one caller per turn, with I/O (other requests, /health) served between turns. A
 * batch of 1,024 items started at once therefore never holds the event loop for more than one
 * item's bounded work. No `vscode` import here.
 */
let last: Promise<void> = Promise.resolve();
let taken = 0;

/** How many turns have been handed out since the process started (counted work for tests). */
export function turnsTaken(): number {
  return taken;
}

export function nextTurn(): Promise<void> {
  taken++;
  const mine = last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  last = mine;
  return mine;
}
