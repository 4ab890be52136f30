/**
 * The extension's view of its settings: one typed StepLensConfig, re-read when `steplens.*` changes,
 * with an event that says which keys changed. Invalid values are logged and replaced by defaults.
 */
import * as vscode from "vscode";
import type { StepLensConfig } from "../config";
import { changedSettings, readSettings } from "./settings";

export const CONFIG_SECTION = "steplens";

export interface ConfigurationChange {
  previous: StepLensConfig;
  current: StepLensConfig;
  /** Keys (`<section>.<key>`, no `steplens.` prefix) whose effective value changed. */
  changed: string[];
  /** True when `key` (`<section>.<key>`) or any key of `section` changed. */
  affects(keyOrSection: string): boolean;
}

/** Reads the current settings as a StepLensConfig (problems go to `onProblem`, one line each). */
export function readConfiguration(onProblem?: (line: string) => void): StepLensConfig {
  const settings = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const { config, problems } = readSettings((key) => settings.get(key));
  for (const p of problems) onProblem?.(p);
  return config;
}

export class Configuration implements vscode.Disposable {
  private config: StepLensConfig;
  private readonly emitter = new vscode.EventEmitter<ConfigurationChange>();
  private readonly subscription: vscode.Disposable;
  /** Fires after the effective configuration changed (not for edits that change nothing). */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.config = readConfiguration((p) => log.warn(p));
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(CONFIG_SECTION)) this.reload();
    });
  }

  get current(): StepLensConfig {
    return this.config;
  }

  private reload(): void {
    const previous = this.config;
    const current = readConfiguration((p) => this.log.warn(p));
    const changed = changedSettings(previous, current);
    if (!changed.length) return;
    this.config = current;
    this.log.info(`settings changed: ${changed.map((k) => `steplens.${k}`).join(", ")}`);
    this.emitter.fire({
      previous,
      current,
      changed,
      affects: (k) => changed.some((c) => c === k || c.startsWith(`${k}.`)),
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
