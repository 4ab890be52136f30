/**
 * Format-gate presets (`--gate`, setting `steplens.rewards.gatePreset`), with the single rules
 * switchable on top (`--no-gate` / `--gate-on`, settings `steplens.rewards.gate<Rule>`):
 * - `spark` (default): SPARK's three rules as the paper states them, all effective — exactly one
 *   `\boxed{}`, exactly one `<answer>…</answer>`, nothing after `</answer>` — on the whole rollout;
 *   the judge sees it cut at the first `</answer>`;
 * - `spark-code`: exactly what SPARK's published reward function does (salman-lui/mixed_reward,
 *   run_scripts/math_gen_rm_reward_function.py: `extract_valid_answer` then `format_validity`): the
 *   rollout is first cut at the *last* `</answer>` and stripped, the three checks run on that cut
 *   with its regular expressions, so text after the final `</answer>` is never seen (for comparisons
 *   with SPARK's runs);
 * - `strict`: `spark` plus StepLens's own `step-count` and `second-solution` rules.
 * No `vscode` import here.
 */
import { CONFIG_ENUMS, type GatePreset, type GateSwitch } from "../config";
import type { GateCode, GateRules } from "./formatGate";

export type { GatePreset, GateSwitch };
export const GATE_PRESETS = CONFIG_ENUMS["rewards.gatePreset"] as readonly GatePreset[];
export const DEFAULT_GATE_PRESET: GatePreset = "spark";

/** The rules of a preset, with the step-count bounds (used when `step-count` is on). */
export function presetRules(preset: GatePreset, minSteps = 3, maxSteps = 20): GateRules {
  const strict = preset === "strict";
  return {
    boxedCount: true,
    answerTagCount: true,
    textAfterAnswer: true,
    stepCount: strict,
    minSteps,
    maxSteps,
    secondSolution: strict,
    sparkCode: preset === "spark-code",
  };
}

const RULE_KEYS: Readonly<Record<GateCode, keyof GateRules>> = {
  "boxed-count": "boxedCount",
  "answer-tag-count": "answerTagCount",
  "text-after-answer": "textAfterAnswer",
  "step-count": "stepCount",
  "second-solution": "secondSolution",
};

/** The preset's rules with each switched rule forced on or off. */
export function gateRulesOf(preset: GatePreset, switches: Partial<Record<GateCode, GateSwitch>>, minSteps = 3, maxSteps = 20): GateRules {
  const rules = presetRules(preset, minSteps, maxSteps);
  for (const [code, s] of Object.entries(switches) as Array<[GateCode, GateSwitch]>) {
    if (s === "on" || s === "off") (rules[RULE_KEYS[code]] as boolean) = s === "on";
  }
  return rules;
}

/** "spark-code: boxed-count, answer-tag-count, …" — the preset and the rules in force, for banners and READMEs. */
export function describeGate(preset: GatePreset, g: GateRules): string {
  const on = [
    g.boxedCount && "boxed-count",
    g.answerTagCount && "answer-tag-count",
    g.textAfterAnswer && "text-after-answer",
    g.stepCount && `step-count ${g.minSteps}-${g.maxSteps}`,
    g.secondSolution && "second-solution",
  ].filter(Boolean);
  return `${preset}${g.sparkCode ? " (SPARK's code: cut at the last </answer> first)" : ""}: ${on.length ? on.join(", ") : "no rules"}`;
}
