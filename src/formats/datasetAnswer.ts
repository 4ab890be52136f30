/**
 * The final answer of a dataset record, kept deliberately simple (documented in docs/traces-and-datasets.md):
 * 1. the content of the last balanced `\boxed{…}` (or `\fbox{…}`), searching the steps from the last
 *    one backwards, so "… \boxed{18}" followed by a closing remark still gives 18;
 * 2. else, in the last step: an answer line ("Answer: 4", "**Final Answer:** 4", as for text traces),
 *    PRM800K's closing "# Answer\n\n4", or Math-Shepherd's "The answer is: 4";
 * 3. else null.
 * Formats with an answer field (generic JSONL `final_answer` / `answer`) use that first.
 * The box and answer-line rules are the text format's own (src/core/finalAnswer.ts).
 */
import { findLastAnswerLine, lastBoxedContent } from "../core/finalAnswer";

const CLOSING_PHRASES: RegExp[] = [
  /(?:^|\n)[ \t]*#{1,6}[ \t]*Answer[ \t]*\r?\n\s*([\s\S]+)$/i, // PRM800K: "# Answer\n\n4"
  /\bThe (?:final )?answer is:?[ \t]*([^\n]+?)[ \t]*\.?$/i, // Math-Shepherd and many generators
];

/** Final answer of a list of step strings, by the rules above. */
export function finalAnswerFromSteps(steps: readonly string[]): string | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    if (step === undefined) throw new Error(`internal: step ${i} of ${steps.length} is not there`); // 0 <= i < length
    const boxed = lastBoxedContent(step);
    if (boxed !== null && boxed !== "") return boxed;
  }
  const last = steps[steps.length - 1]?.trim();
  if (!last) return null;
  const line = findLastAnswerLine(last);
  if (line) return line.text;
  for (const re of CLOSING_PHRASES) {
    const answer = re.exec(last)?.[1]?.trim(); // group 1 takes part in every match
    if (answer !== undefined && answer !== "") return answer;
  }
  return null;
}
