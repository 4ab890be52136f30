/**
 * Separates a reasoning model's thinking (`<think>…</think>`) from the answer it wrote after it.
 * Verdicts are read from the answer only (SPARK strips thinking before parsing): drafts inside the
 * thinking often contain verdicts the model later revised.
 */

export interface SplitThinking {
  /** The text outside every thinking block. */
  visible: string;
  /** The thinking text (blocks joined by a blank line); null when there was none. */
  thinking: string | null;
  /** The output ended inside an unclosed `<think>`: the answer was never written. */
  unclosed: boolean;
}

const BLOCK = /<think(?:ing)?>([\s\S]*?)<\/think(?:ing)?>/gi;
const OPEN = /<think(?:ing)?>/i;
const CLOSE = /<\/think(?:ing)?>/gi;

export function splitThinking(text: string): SplitThinking {
  const parts: string[] = [];
  let visible = text.replace(BLOCK, (_m, inner: string) => {
    parts.push(inner.trim());
    return "\n";
  });
  // A chat template that opens <think> in the prompt leaves only the closing tag in the output:
  // everything before the last </think> is thinking.
  let lastClose = -1;
  for (const m of visible.matchAll(CLOSE)) lastClose = m.index! + m[0].length;
  if (lastClose >= 0) {
    const before = visible.slice(0, lastClose).replace(CLOSE, "").trim();
    if (before) parts.unshift(before);
    visible = visible.slice(lastClose);
  }
  let unclosed = false;
  const open = OPEN.exec(visible);
  if (open) {
    const inner = visible.slice(open.index + open[0].length).trim();
    if (inner) parts.push(inner);
    visible = visible.slice(0, open.index);
    unclosed = true;
  }
  return { visible: visible.trim(), thinking: parts.length ? parts.join("\n\n") : null, unclosed };
}
