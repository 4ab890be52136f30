/**
 * The hover of a step, as a Markdown string the adapter wraps in a `vscode.MarkdownString`: the PRM
 * score with its threshold and model, the verifier ensemble's verdict counts, the chosen critique,
 * PAV progress when computed, the dataset label and the human label, how long the work took, and
 * command links (re-score, verify, open in the inspector, mark correct / incorrect, clear the label).
 * No `vscode` import.
 *
 * Security: every piece of text that is not this file's own literal (trace text, critiques, model
 * names, labels from files) goes through `escapeMarkdown` or `codeSpan`, so model output cannot make
 * links, `command:` URIs, HTML or images. The only links are the ones built here from `HoverCommand`s;
 * the adapter should trust exactly those command ids (`isTrusted: {enabledCommands: [...]}`), keep
 * `supportHtml` and `supportThemeIcons` off, and never set `isTrusted: true`.
 */
import { codeSpan, escapeMarkdown } from "./markdownEscape";
import { DEMO_NOTICE, type StepAnnotation, type TraceAnnotations, formatThreshold, labelText } from "./stepAnnotations";

export interface HoverCommand {
  title: string;
  command: string;
  args: unknown[];
}

/** Command ids the hover links to (the adapter may pass its own; these are the defaults). */
export interface HoverCommandIds {
  rescore: string;
  verify: string;
  inspect: string;
  markCorrect: string;
  markIncorrect: string;
  clearLabel: string;
}

export const DEFAULT_HOVER_COMMANDS: HoverCommandIds = {
  rescore: "steplens.score",
  verify: "steplens.verify",
  inspect: "steplens.openInspector",
  markCorrect: "steplens.markStepCorrect",
  markIncorrect: "steplens.markStepIncorrect",
  clearLabel: "steplens.clearStepLabel",
};

export interface HoverOptions {
  /** The document's URI as a string: the commands' argument `{uri, step}` carries it. */
  documentUri: string;
  commandIds?: Partial<HoverCommandIds>;
  /** K, for the "Verify ×K" link (StepLensConfig.verify.samples). */
  verifySamples?: number;
  /** Turns a command into the link target (default `commandUri`). */
  commandUri?: (command: HoverCommand) => string;
  /** Leave the command links out (e.g. in read-only or untrusted contexts). */
  withoutCommands?: boolean;
}

export interface HoverContent {
  markdown: string;
  /** The commands linked from `markdown`, in order (for `enabledCommands`). */
  commands: HoverCommand[];
}

/**
 * `command:<id>?<encoded JSON args>`, the form VS Code's trusted Markdown runs. The JSON is
 * percent-encoded, and so are the characters `encodeURIComponent` keeps but a Markdown link target
 * would not (`(`, `)`, `'`, `!`, `*`, `~`), so the target always ends at its own `)`.
 */
export function commandUri(command: HoverCommand): string {
  const query = encodeURIComponent(JSON.stringify(command.args)).replace(/[()'!*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `command:${command.command}?${query}`;
}

function num(value: number, digits = 2): string {
  return escapeMarkdown(value.toFixed(digits));
}

function signed(value: number, digits = 2): string {
  return escapeMarkdown(`${value > 0 ? "+" : ""}${value.toFixed(digits)}`);
}

function seconds(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

const SOURCE_TEXT = { label: "your label", verifiers: "the verifier ensemble", prm: "the PRM score" } as const;

/** The hover of `step` (an element of `annotations.steps`). */
export function buildHover(annotations: TraceAnnotations, step: StepAnnotation, options: HoverOptions): HoverContent {
  const paragraphs: string[] = [];

  // Title: the step and its verdict.
  let title = `**StepLens · ${escapeMarkdown(step.title)}**`;
  if (step.isFirstError) title += ` · first error ✗ (decided by ${escapeMarkdown(SOURCE_TEXT[step.verdictSource!])})`;
  else if (step.verdict === "incorrect") title += ` · incorrect ✗ (by ${escapeMarkdown(SOURCE_TEXT[step.verdictSource!])})`;
  paragraphs.push(title);

  // PRM score.
  if (step.score !== null && step.scoreText !== null) {
    const relation = step.belowThreshold ? "&lt;" : "≥";
    let line = `**PRM** ${escapeMarkdown(step.scoreText)} ${relation} ${escapeMarkdown(formatThreshold(annotations.threshold))} threshold ${step.belowThreshold ? "✗" : "✓"}`;
    if (step.margin !== null) line += ` · margin ${signed(step.margin)}`;
    // The model's name only (a full path takes three lines in a narrow hover; the status bar's details show it).
    if (annotations.model) line += `  \nmodel ${codeSpan(modelDisplayName(annotations.model))}`;
    if (annotations.adapter) line += ` · adapter ${escapeMarkdown(annotations.adapter)}`;
    if (annotations.demo) line += `  \n*${escapeMarkdown(DEMO_NOTICE)}*`;
    paragraphs.push(line);
  }

  // Verifier ensemble.
  if (step.verdictCounts !== null) {
    paragraphs.push(`**Verifiers** ${escapeMarkdown(step.verdictCounts)}`);
    if (step.critiqueExcerpt !== null && step.critique) {
      paragraphs.push(`> ${escapeMarkdown(step.critiqueExcerpt)}  \n> — verifier ${step.critique.verifier + 1}`);
    }
  }

  // PAV progress.
  if (step.progress) {
    const p = step.progress;
    const level = annotations.progressConfidence !== null ? `${escapeMarkdown(String(Math.round(annotations.progressConfidence * 100)))}% ` : "";
    const same = annotations.progressSamePolicy;
    let line = `**Progress** Q${same === false ? "μ" : ""} ${num(p.qBefore)} → ${num(p.qAfter)}`;
    if (p.qInterval) line += ` (${level}interval ${num(p.qInterval[0])} to ${num(p.qInterval[1])})`;
    line += ` · advantage ${signed(p.advantage)}`;
    const extras: string[] = [];
    if (p.interval) extras.push(`${level}interval ${signed(p.interval[0])} to ${signed(p.interval[1])}`);
    if (p.rollouts !== undefined) extras.push(`${escapeMarkdown(String(p.rollouts))} rollouts`);
    if (extras.length) line += ` (${extras.join(", ")})`;
    if (p.qBase !== undefined && same === false) {
      line += `  \n**Base policy** Qπ ${num(p.qBase)}`;
      if (p.qBaseInterval) line += ` (${level}interval ${num(p.qBaseInterval[0])} to ${num(p.qBaseInterval[1])})`;
    }
    if (p.effective !== undefined)
      line += `${same === false ? " ·" : "  \n"} **effective** ${num(p.effective)} = Q${same === false ? "π" : ""} + α·advantage${same === true ? " (π = μ: one model)" : ""}`;
    if (annotations.progressDemo) line += `  \n*${escapeMarkdown(DEMO_NOTICE)}*`;
    paragraphs.push(line);
  }

  // Labels: the user's and the dataset's.
  const labels: string[] = [];
  if (step.label) labels.push(`**Label** ${escapeMarkdown(labelText(step.label))}`);
  if (step.groundTruth !== null) {
    const truth = step.groundTruth ? "correct" : annotations.groundTruthFirstError === step.index ? "first error" : "incorrect";
    labels.push(`**Dataset** ${escapeMarkdown(truth)}`);
  }
  if (labels.length) paragraphs.push(labels.join(" · "));

  // Timing.
  const t = annotations.timing;
  const timing: string[] = [];
  if (t.scoreSeconds !== null) {
    let s = `scored in ${seconds(t.scoreSeconds)}`;
    if (t.evaluatedTokens !== null && t.traceTokens !== null) s += ` (${t.evaluatedTokens} of ${t.traceTokens} tokens evaluated)`;
    timing.push(s);
  }
  if (t.verifySeconds !== null) timing.push(`verified in ${seconds(t.verifySeconds)}`);
  if (t.progressSeconds !== null) timing.push(`progress in ${seconds(t.progressSeconds)}`);
  if (timing.length) paragraphs.push(`*${escapeMarkdown(timing.join(" · "))}*`);

  if (step.score === null && step.verdictCounts === null && !step.progress) paragraphs.push("*Not scored yet\\.*");

  // Commands.
  const commands: HoverCommand[] = [];
  if (!options.withoutCommands) {
    const ids = { ...DEFAULT_HOVER_COMMANDS, ...options.commandIds };
    const arg = { uri: options.documentUri, step: step.index };
    commands.push({ title: "Re-score", command: ids.rescore, args: [arg] });
    commands.push({ title: options.verifySamples ? `Verify ×${options.verifySamples}` : "Verify", command: ids.verify, args: [arg] });
    commands.push({ title: "Open in inspector", command: ids.inspect, args: [arg] });
    if (step.label !== "correct") commands.push({ title: "Mark correct", command: ids.markCorrect, args: [arg] });
    if (step.label !== "incorrect") commands.push({ title: "Mark incorrect", command: ids.markIncorrect, args: [arg] });
    if (step.label) commands.push({ title: "Clear label", command: ids.clearLabel, args: [arg] });
    const toUri = options.commandUri ?? commandUri;
    paragraphs.push("---");
    paragraphs.push(commands.map((c) => `[${escapeMarkdown(c.title)}](${toUri(c)})`).join(" · "));
  }

  return { markdown: paragraphs.join("\n\n"), commands };
}

/** A model setting as a short name: a file path becomes its file name, URIs and names stay as they are. */
export function modelDisplayName(model: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(model) && !/^[a-z]:[\\/]/i.test(model)) return model; // hf:…, http://…
  const parts = model.split(/[\\/]/);
  return parts[parts.length - 1] || model;
}
