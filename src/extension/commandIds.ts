/**
 * Every command id StepLens registers, in one place (no `vscode` import, so unit tests can check
 * them against package.json). A command is listed here only once it works: features that do not
 * exist yet have no id and no palette entry.
 */
export const CommandId = {
  /** "StepLens: Go to Step…" — quick pick of the active trace's steps; an optional 1-based step number skips the pick. */
  goToStep: "steplens.goToStep",
  /** "StepLens: Show Output" — the StepLens log. */
  showOutput: "steplens.showOutput",
  /** "StepLens: Open Example Trace" — an untitled trace to try StepLens on (the walkthrough links it). */
  openExample: "steplens.openExample",

  // ---- annotations (argument: optional `{uri, step}`; without it the active editor and cursor)
  /** "StepLens: Score Trace" — re-score now (skips the result cache). */
  score: "steplens.score",
  /** "StepLens: Verify Trace" — K verifications of the trace, aggregated per step. */
  verify: "steplens.verify",
  /** "StepLens: Estimate Progress" — PAV progress of every step from prover rollouts (Q before → after, advantage). */
  estimateProgress: "steplens.estimateProgress",
  /** "StepLens: Open Inspector" — the charts and steps table of a trace. */
  openInspector: "steplens.openInspector",
  /** "StepLens: Next Problem Step" / "Previous Problem Step" — steps with a StepLens diagnostic. */
  nextProblemStep: "steplens.nextProblemStep",
  previousProblemStep: "steplens.previousProblemStep",
  /** "StepLens: Clear Cached Results" — the per-workspace score cache. */
  clearCache: "steplens.clearCache",

  // ---- human labels (argument: optional `{uri, step}`)
  markStepCorrect: "steplens.markStepCorrect",
  markStepIncorrect: "steplens.markStepIncorrect",
  markStepFirstError: "steplens.markStepFirstError",
  clearStepLabel: "steplens.clearStepLabel",

  // ---- engine and models
  /** "StepLens: Show Status" — engine, device, models, queue; links to settings (the status bar item runs it). */
  showStatus: "steplens.showStatus",
  /** "StepLens: Choose Model…" — a GGUF file, a preset, a cached or downloaded model, or the demo model, for a role. */
  chooseModel: "steplens.chooseModel",
  /** "StepLens: Download Model…" — an `hf:` URI or preset into the model cache, with progress. */
  downloadModel: "steplens.downloadModel",
  /** "StepLens: Use Demo Model (random weights)" — generates a tiny random-weight GGUF and selects it. */
  useDemoModel: "steplens.useDemoModel",
  /** "StepLens: Set API Key" / "Clear API Key" — the OpenAI-compatible endpoint's key, in SecretStorage. */
  setApiKey: "steplens.setApiKey",
  clearApiKey: "steplens.clearApiKey",

  // ---- datasets (tree view)
  /** "StepLens: Open Dataset…" — argument: optional file URI (explorer context menu). */
  openDataset: "steplens.openDataset",
  /** Opens one record as a read-only trace document (tree items run it). */
  openRecord: "steplens.openRecord",
  closeDataset: "steplens.closeDataset",
  refreshDataset: "steplens.refreshDataset",
  filterMismatches: "steplens.filterMismatches",
  filterByLabel: "steplens.filterByLabel",
  filterByScore: "steplens.filterByScore",
  clearFilters: "steplens.clearFilters",
  /** "StepLens: Load Predictions…" — a predictions JSONL (`{"id", "prediction"}` per line) for a dataset. */
  loadPredictions: "steplens.loadPredictions",
  /** Shows the next page of a large dataset's records (tree item). */
  showMoreRecords: "steplens.showMoreRecords",

  // ---- pipelines (integrated terminals / tasks; argument: optional choices object, see pipelineCommands.ts)
  /** "StepLens: Synthesize Training Data…" — `steplens synthesize` in a task terminal. */
  synthesizeTrainingData: "steplens.synthesizeTrainingData",
  /** "StepLens: Export Training Data…" — `steplens export` in a task terminal; Open / Reveal when done. */
  exportTrainingData: "steplens.exportTrainingData",
  /** "StepLens: Start Reward Server" — `steplens serve` with the PRM and the rewards.* settings as a background task (pipeline "serve"). */
  startRewardServer: "steplens.startRewardServer",
  /** "StepLens: Start RL Training…" — `steplens rl init` / `rl launch` as tasks (pipeline "rl"); argument: optional choices, see rewardServer.ts. */
  startRlTraining: "steplens.startRlTraining",
  // ---- reward logs (steplens serve --reward-log) in the Datasets tree; argument: tree node, file, or `{log, record}`
  /** "StepLens: Open Reward Log…" — a reward log as a live dataset (argument: optional file URI). */
  openRewardLog: "steplens.openRewardLog",
  /** Opens one rollout as a read-only document (tree items and the run dashboard run it). */
  openRollout: "steplens.openRollout",
  filterRollouts: "steplens.filterRollouts",
  sortRollouts: "steplens.sortRollouts",
  clearRolloutFilters: "steplens.clearRolloutFilters",
  showMoreRollouts: "steplens.showMoreRollouts",
  closeRewardLog: "steplens.closeRewardLog",
  /** "StepLens: Open Run Dashboard" — reward, gating, steps and length over trainer steps; step-position distributions. */
  openRunDashboard: "steplens.openRunDashboard",
  /** "StepLens: Open Dataset Dashboard" — score distributions, ProcessBench metrics and a live threshold for a dataset (argument: tree node, file, or `{dataset, scores?}`). */
  openDatasetDashboard: "steplens.openDatasetDashboard",
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** Context key: true while the active editor shows a trace document (used in `when` clauses). */
export const ACTIVE_EDITOR_IS_TRACE = "steplens.activeEditorIsTrace";
/** Context key: true once any trace has scores (the walkthrough's "score" step completes on it). */
export const HAS_SCORES = "steplens.hasScores";
/** Context key: true while at least one dataset is open in the StepLens tree (welcome view otherwise). */
export const HAS_DATASETS = "steplens.hasDatasets";

/** The tree view of datasets and its view container (not prefixed `steplens.`: views register `<id>.focus` commands). */
export const DATASETS_VIEW = "steplensDatasets";
export const VIEW_CONTAINER = "steplensView";

/** URI scheme of dataset records opened as read-only trace documents. */
export const RECORD_SCHEME = "steplens-record";

/** Commands the hover's Markdown may run (its `isTrusted.enabledCommands`), and nothing else. */
export const HOVER_COMMANDS: readonly CommandId[] = [
  CommandId.score,
  CommandId.verify,
  CommandId.openInspector,
  CommandId.markStepCorrect,
  CommandId.markStepIncorrect,
  CommandId.clearStepLabel,
];
