/**
 * The "Get started" walkthrough's steps tick on what the user really did, and stay ticked: each
 * milestone sets a context key that a step's `completionEvents` waits on ("onContext:…"), and is
 * remembered in global state, so work done before the walkthrough opened (or in an earlier
 * session) shows as done when it does open.
 *   - a trace was opened (any editor, any time: the "active editor is a trace" key alone was false
 *     again by the time the walkthrough, itself an editor, was shown);
 *   - a model is chosen: a PRM model (or an endpoint model) is set — checked now and on every change;
 *   - scores landed for a trace; the annotations were read (a hover on a scored step, the inspector,
 *     next-problem navigation); a step was labelled (by any route: command, code action, hover,
 *     inspector); a dataset was really opened in the tree (not just the view shown).
 *
 * VS Code creates its walkthrough service only when a walkthrough (the Welcome page) is first shown,
 * and a context key that is already true then counts as "seen" without ticking its step (only a
 * change to true ticks one). So the keys stay unset until a Welcome / walkthrough tab is open, and
 * are set then: the service exists, sees them change, and ticks every step already done. New
 * milestones after that set their key at once.
 */
import * as vscode from "vscode";
import type { Configuration } from "./configuration";

export const WALKTHROUGH_CONTEXT = {
  traceOpened: "steplens.walkthrough.traceOpened",
  modelChosen: "steplens.walkthrough.modelChosen",
  scored: "steplens.walkthrough.scored",
  read: "steplens.walkthrough.read",
  labelled: "steplens.walkthrough.labelled",
  datasetOpened: "steplens.walkthrough.datasetOpened",
} as const;
export type Milestone = keyof typeof WALKTHROUGH_CONTEXT;

const STATE_KEY = "steplens.walkthrough.done";

export class WalkthroughProgress implements vscode.Disposable {
  private readonly done: Set<Milestone>;
  private readonly subscription: vscode.Disposable;
  /** A Welcome / walkthrough tab has been open in this window: the keys are set (see the header). */
  private shown = false;

  constructor(
    private readonly state: vscode.Memento,
    configuration: Configuration,
  ) {
    this.done = new Set(state.get<Milestone[]>(STATE_KEY, []).filter((m) => m in WALKTHROUGH_CONTEXT));
    const checkModel = () => {
      const c = configuration.current;
      if (c.engine.kind === "openai" ? c.openai.model.trim() : c.models.prm.trim()) this.mark("modelChosen");
    };
    checkModel();
    const checkShown = () => {
      if (this.shown || !vscode.window.tabGroups.all.some((g) => g.tabs.some(isWalkthroughTab))) return;
      this.shown = true;
      for (const m of this.done) void vscode.commands.executeCommand("setContext", WALKTHROUGH_CONTEXT[m], true);
    };
    checkShown();
    this.subscription = vscode.Disposable.from(configuration.onDidChange(checkModel), vscode.window.tabGroups.onDidChangeTabs(checkShown));
  }

  has(m: Milestone): boolean {
    return this.done.has(m);
  }

  /** Records a milestone (once): the walkthrough step waiting on it ticks. */
  mark(m: Milestone): void {
    if (this.done.has(m)) return;
    this.done.add(m);
    if (this.shown) void vscode.commands.executeCommand("setContext", WALKTHROUGH_CONTEXT[m], true);
    void this.state.update(STATE_KEY, [...this.done]);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

/** The Welcome page (which shows walkthroughs) or a walkthrough: an editor tab that is not a file. */
function isWalkthroughTab(tab: vscode.Tab): boolean {
  if (tab.input instanceof vscode.TabInputText || tab.input instanceof vscode.TabInputTextDiff || tab.input instanceof vscode.TabInputNotebook) return false;
  return /welcome|walkthrough|get started/i.test(tab.label);
}
