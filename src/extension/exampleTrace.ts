/**
 * "StepLens: Open Example Trace": an untitled trace in the StepLens Trace language to try the
 * annotations on (the walkthrough's first step). Its step 3 is wrong (6w = 30 gives w = 5).
 */
import * as vscode from "vscode";
import { TRACE_LANGUAGE_ID } from "./traceSelector";

export const EXAMPLE_TRACE = `Problem: A rectangle's length is 3 cm more than twice its width. Its perimeter is 36 cm. What is its area?

Step 1: Let the width be w. Then the length is 2w + 3.

Step 2: The perimeter is 2(w + 2w + 3) = 6w + 6, so 6w + 6 = 36.

Step 3: Solving, 6w = 30, so w = 6.

Step 4: The length is 2 · 6 + 3 = 15, and the area is 6 · 15 = 90.

The final answer is \\boxed{90}.
`;

export async function openExampleTrace(): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: TRACE_LANGUAGE_ID, content: EXAMPLE_TRACE });
  return vscode.window.showTextDocument(document);
}
