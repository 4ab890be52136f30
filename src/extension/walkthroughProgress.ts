/**
 * The "Get started" walkthrough's steps tick on what the user really did, and stay ticked: each
 * milestone sets a context key that a step's `completionEvents` waits on ("onContext:…"), and is
 * remembered in global state, so work done before the walkthrough opened (or in an earlier
 * session) shows as done when it does open.
 *   - a model is chosen: a PRM model (or an endpoint model) is set — checked now and on every change;
 *   - scores landed for a trace; the annotations were read (a hover on a scored step, the inspector,
 *     next-problem navigation); a dataset was really opened in the tree (not just the view shown).
 */
import * as vscode from "vscode";
import type { Configuration } from "./configuration";

export const WALKTHROUGH_CONTEXT = {
  modelChosen: "steplens.walkthrough.modelChosen",
  scored: "steplens.walkthrough.scored",
  read: "steplens.walkthrough.read",
  datasetOpened: "steplens.walkthrough.datasetOpened",
} as const;
export type Milestone = keyof typeof WALKTHROUGH_CONTEXT;

const STATE_KEY = "steplens.walkthrough.done";

export class WalkthroughProgress implements vscode.Disposable {
  private readonly done: Set<Milestone>;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly state: vscode.Memento,
    configuration: Configuration,
  ) {
    this.done = new Set(state.get<Milestone[]>(STATE_KEY, []).filter((m) => m in WALKTHROUGH_CONTEXT));
    for (const m of this.done) void vscode.commands.executeCommand("setContext", WALKTHROUGH_CONTEXT[m], true);
    const checkModel = () => {
      const c = configuration.current;
      if (c.engine.kind === "openai" ? c.openai.model.trim() : c.models.prm.trim()) this.mark("modelChosen");
    };
    checkModel();
    this.subscription = configuration.onDidChange(checkModel);
  }

  has(m: Milestone): boolean {
    return this.done.has(m);
  }

  /** Records a milestone (once): the walkthrough step waiting on it ticks. */
  mark(m: Milestone): void {
    if (this.done.has(m)) return;
    this.done.add(m);
    void vscode.commands.executeCommand("setContext", WALKTHROUGH_CONTEXT[m], true);
    void this.state.update(STATE_KEY, [...this.done]);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
