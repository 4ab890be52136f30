/**
 * Separates a reasoning model's thinking (`<think>…</think>`) from the answer it wrote after it.
 * Verdicts are read from the answer only (SPARK strips thinking before parsing): drafts inside the
 * thinking often contain verdicts the model later revised.
 *
 * The rules follow SPARK's public parsing code (`salman-lui/mixed_reward`):
 * - the thinking ends at the FIRST `</think>`: everything before it is thinking (a chat template that
 *   opened `<think>` in the prompt leaves only that closing tag in the output), the answer is what
 *   follows; further `<think>…</think>` blocks and stray tags in the answer are removed too;
 * - an unclosed `<think>` (the model never closed it) is not necessarily a lost answer: when a line
 *   starting `## Step 1:` appears inside it, the verification is recovered from that line on
 *   (`recovered`); otherwise everything after `<think>` is thinking and nothing is visible.
 * Text written before the opening `<think>` stays visible. No `vscode` import here.
 */
import { captureGroup } from "./captureGroup";

export interface SplitThinking {
  /** The text outside every thinking block (plus a recovered verification, see `recovered`). */
  visible: string;
  /** The thinking text (blocks joined by a blank line); null when there was none. */
  thinking: string | null;
  /** The output had a `<think>` that was never closed. */
  unclosed: boolean;
  /** Unclosed `<think>`: the verification was recovered from its first `## Step 1:` line (SPARK's rule). */
  recovered: boolean;
}

const BLOCK = /<think(?:ing)?>([\s\S]*?)<\/think(?:ing)?>/gi;
const OPEN = /<think(?:ing)?>/i;
const CLOSE = /<\/think(?:ing)?>/i;
const ANY_TAG = /<\/?think(?:ing)?>/gi;
/** Where SPARK recovers a verification written inside an unclosed `<think>`: a line starting `## Step 1:`. */
const RECOVERY_START = /(?:^|\n)[ \t]*(## Step 1:)/;

export function splitThinking(text: string): SplitThinking {
  const parts: string[] = [];
  let visible = text;

  // 1. Everything up to the first closing tag is thinking (text before an opening tag excepted).
  const close = CLOSE.exec(visible);
  if (close) {
    const head = visible.slice(0, close.index);
    const open = OPEN.exec(head);
    const before = open ? head.slice(0, open.index) : "";
    const inner = (open ? head.slice(open.index + open[0].length) : head).replace(ANY_TAG, "\n").trim();
    if (inner) parts.push(inner);
    visible = `${before}\n${visible.slice(close.index + close[0].length)}`;
  }

  // 2. Further closed blocks in the answer are thinking as well.
  visible = visible.replace(BLOCK, (_m, inner: string) => {
    if (inner.trim()) parts.push(inner.trim());
    return "\n";
  });

  // 3. An opening tag never closed: thinking to the end, unless a verification starts inside it.
  let unclosed = false;
  let recovered = false;
  const open = OPEN.exec(visible);
  if (open) {
    unclosed = true;
    const before = visible.slice(0, open.index);
    let inner = visible.slice(open.index + open[0].length);
    let tail = "";
    const start = RECOVERY_START.exec(inner);
    if (start) {
      const at = start.index + start[0].length - captureGroup(start, 1).length;
      tail = inner.slice(at);
      inner = inner.slice(0, at);
      recovered = true;
    }
    if (inner.trim()) parts.push(inner.trim());
    visible = `${before}\n${tail}`;
  }

  visible = visible.replace(ANY_TAG, "\n");
  return { visible: visible.trim(), thinking: parts.length ? parts.join("\n\n") : null, unclosed, recovered };
}
