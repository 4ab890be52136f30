/**
 * Dense per-step rewards: each step's reward with the character span of that step in the response,
 * so a trainer can put the reward on the token where the step ends (the verl dense reward manager,
 * src/rl/python/steplens_dense_reward.py).
 *
 * - A step's reward is the scalarisation's per-step reward (`stepRewards` of the reward detail): the
 *   PRM's P(step correct), the verifier's verdict (1 / 0), Tango's ±1/n (`steps`), or PAV's
 *   r_h = Q^π_h + α·A^μ_h (`pav`). Their sum is the documented total: with `steps` it equals the
 *   scalar reward; with `pav` it is n × the scalar reward (the mean).
 * - A gated rollout (no step judged) gets one entry: the gated reward over the whole response.
 * - Spans: the steps are the format gate's (the same segmentation the judge saw). Each step is found
 *   in the response by its non-whitespace characters, from the end of the step before: its end is
 *   the last character of its text (a marker like "Step 2:" the segmenter dropped does not matter:
 *   when the whole text is not found, its tail is); its start is the first non-whitespace character
 *   after the previous step's end. Offsets are Unicode code points (Python `str` indices), `end`
 *   exclusive. Linear in the response for ordinary text (each search starts at the cursor).
 * No `vscode` import here.
 */
import { applyFormatGate, type GateRules } from "./formatGate";

export interface DenseStep {
  /** 0-based step index; null for the single entry of a gated rollout. */
  step: number | null;
  /** Code-point offset of the step's first character in the response. */
  start: number;
  /** Code-point offset just after the step's last character. */
  end: number;
  reward: number;
}

/** Non-whitespace characters of `text` and, for each, its UTF-16 offset. */
function compact(text: string): { chars: string; at: number[] } {
  let chars = "";
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) continue;
    chars += c;
    at.push(i);
  }
  return { chars, at };
}

/** UTF-16 offset → code-point offset (surrogate pairs count once). */
function codePointOffsets(text: string): (utf16: number) => number {
  const pairsBefore: number[] = new Array(text.length + 1);
  let pairs = 0;
  for (let i = 0; i <= text.length; i++) {
    pairsBefore[i] = pairs;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairsBefore[i + 1] = pairs;
        pairs++;
        i++;
      }
    }
  }
  pairsBefore[text.length] = pairs;
  return (u) => u - pairsBefore[Math.max(0, Math.min(text.length, u))]!;
}

/**
 * Spans (UTF-16 offsets, end exclusive) of `steps` in `response`, in order. A step that cannot be
 * found at all ends where the step before ended (the last one: at the end of the response).
 */
export function stepSpans(response: string, steps: readonly string[]): { start: number; end: number }[] {
  const r = compact(response);
  let cursor = 0; // in compact characters
  const spans: { start: number; end: number }[] = [];
  steps.forEach((text, h) => {
    const s = compact(text).chars;
    const startAt = cursor;
    let endAt = -1;
    if (s.length) {
      const whole = r.chars.indexOf(s, cursor);
      if (whole >= 0) endAt = whole + s.length;
      else {
        // The tail of the step: a dropped marker or a joined answer block changes its head only.
        for (let len = Math.min(64, s.length); len >= 4 && endAt < 0; len = Math.floor(len / 2)) {
          const i = r.chars.indexOf(s.slice(-len), cursor);
          if (i >= 0) endAt = i + len;
        }
      }
    }
    if (endAt < 0) endAt = h === steps.length - 1 ? r.chars.length : cursor;
    const start = startAt < r.at.length ? r.at[startAt]! : response.length;
    const end = endAt > 0 ? r.at[endAt - 1]! + 1 : 0;
    spans.push({ start: Math.min(start, end), end });
    cursor = endAt;
  });
  return spans;
}

/** The dense per-step rewards of one scored rollout (see the module comment). */
export function denseStepRewards(response: string, gate: GateRules, detail: { stepRewards: readonly number[]; reward: number }): DenseStep[] {
  const cp = codePointOffsets(response);
  const steps = applyFormatGate(response, gate).steps;
  if (!detail.stepRewards.length || steps.length !== detail.stepRewards.length) {
    // Gated (no step judged): the scalar reward over the whole response, on its last token.
    return [{ step: null, start: 0, end: cp(response.length), reward: detail.reward }];
  }
  return stepSpans(response, steps).map((span, h) => ({ step: h, start: cp(span.start), end: cp(span.end), reward: detail.stepRewards[h]! }));
}
