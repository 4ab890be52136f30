/**
 * Reward logs in the StepLens Datasets tree: the log of the reward server the editor starts
 * (`steplens.rewards.logFile`, opened when the server task starts) and any log opened with "Open
 * Reward Log…" show as live datasets that grow while the run goes on.
 *
 * - Tailing: a file watcher plus a 1 s poll read only the bytes appended since the last read
 *   (src/datasets/rewardLogIndex.ts); the tree is refreshed at once, at most four times a second, and shows
 *   a page of rollouts at a time, so 100k+ rollouts stay responsive.
 * - Per log: filters (gate reason code, reward range, trainer step range, prompt) and a sort
 *   (newest first by default, oldest, reward high → low, low → high).
 * - A rollout opens as a read-only document (./rolloutDocuments.ts); the run dashboard is
 *   ./runDashboardPanel.ts.
 * The tree itself is ./datasetTree.ts, which hands these nodes here.
 */
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import { errorMessage } from "../core/errors";
import { RewardLogIndex, type RolloutFilter, type RolloutSort } from "../datasets/rewardLogIndex";
import { REWARD_REASON_CODES_FOR_LOG } from "../rewards/rewardLog";
import { CommandId } from "./commandIds";
import { pickOpenFile } from "./pickOpenFile";
import { showMoreItem } from "./showMoreItem";

export const ROLLOUT_PAGE = 200;
/** Longest time between two looks at a live log (the watcher usually fires first). */
const POLL_MS = 1000;
/** Tree refreshes at most once per this while a log grows (the first change after a quiet spell shows at once). */
const REFRESH_MS = 250;

export interface OpenRewardLog {
  file: string;
  index: RewardLogIndex;
  filter: RolloutFilter;
  sort: RolloutSort;
  shown: number;
  /** Started by the editor's reward server (shown as live while the task runs). */
  server: boolean;
}

export type RewardLogNode =
  | { kind: "rewardLog"; log: OpenRewardLog }
  | { kind: "rollout"; log: OpenRewardLog; record: number }
  | { kind: "rolloutMore"; log: OpenRewardLog; shown: number; total: number }
  | { kind: "rolloutInfo"; log: OpenRewardLog; message: string };

export const REWARD_LOG_KINDS: ReadonlySet<string> = new Set(["rewardLog", "rollout", "rolloutMore", "rolloutInfo"]);

export function isRewardLogNode(node: { kind: string }): node is RewardLogNode {
  return REWARD_LOG_KINDS.has(node.kind);
}

const SORT_TEXT: Record<RolloutSort, string> = {
  newest: "newest first",
  oldest: "oldest first",
  "reward-desc": "reward high → low",
  "reward-asc": "reward low → high",
};

/** A rollout filter in words, "" for none. */
export function describeRolloutFilter(f: RolloutFilter): string {
  const parts: string[] = [];
  if (f.gate) parts.push(f.gate === "passed" ? "gate passed" : f.gate === "gated" ? "gated" : `gated: ${f.gate}`);
  if (f.reward) parts.push(`reward ${f.reward.min}–${f.reward.max}`);
  if (f.trainerStep)
    parts.push(f.trainerStep.min === f.trainerStep.max ? `trainer step ${f.trainerStep.min}` : `trainer steps ${f.trainerStep.min}–${f.trainerStep.max}`);
  if (f.records) parts.push(`rollouts ${f.records.min + 1}–${f.records.max + 1}`);
  if (f.prompt) parts.push(`prompt contains "${f.prompt}"`);
  return parts.join(", ");
}

export class RewardLogViews implements vscode.Disposable {
  private readonly logs = new Map<string, OpenRewardLog>();
  private readonly watchers = new Map<string, { watcher?: fs.FSWatcher; timer: NodeJS.Timeout }>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastRefresh = -Infinity;
  private readonly polling = new Set<string>();
  private readonly grownEmitter = new vscode.EventEmitter<OpenRewardLog>();
  /** A log grew (or restarted after a rotation). */
  readonly onDidGrow = this.grownEmitter.event;

  constructor(
    /** Refreshes the tree. */
    private readonly refresh: () => void,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  list(): OpenRewardLog[] {
    return [...this.logs.values()];
  }

  get(file: string): OpenRewardLog | undefined {
    return this.logs.get(path.resolve(file));
  }

  /** Opens (or returns) the log of `file` and starts tailing it. A missing file is shown empty until it appears. */
  async open(file: string, options: { server?: boolean } = {}): Promise<OpenRewardLog> {
    const abs = path.resolve(file);
    const existing = this.logs.get(abs);
    if (existing) {
      if (options.server) existing.server = true;
      return existing;
    }
    const index = await RewardLogIndex.open(abs);
    if (index.badLines)
      this.log.warn(`reward log ${path.basename(abs)}: ${index.badLines} unreadable line(s); first: ${index.errors[0] ? errorMessage(index.errors[0]) : ""}`);
    const opened: OpenRewardLog = { file: abs, index, filter: {}, sort: "newest", shown: ROLLOUT_PAGE, server: Boolean(options.server) };
    this.logs.set(abs, opened);
    this.watch(opened);
    this.log.info(`reward log ${abs}: ${index.size} rollouts; following it as it grows`);
    this.refresh();
    return opened;
  }

  close(file: string): void {
    const abs = path.resolve(file);
    const w = this.watchers.get(abs);
    if (w) {
      w.watcher?.close();
      clearInterval(w.timer);
      this.watchers.delete(abs);
    }
    if (this.logs.delete(abs)) this.refresh();
  }

  private watch(log: OpenRewardLog): void {
    let watcher: fs.FSWatcher | undefined;
    try {
      // The folder is watched: the file may not exist yet, and a rotation replaces it.
      watcher = fs.watch(path.dirname(log.file), { persistent: false }, (_event, name) => {
        if (!name || name.toString() === path.basename(log.file)) void this.poll(log);
      });
      watcher.on("error", () => undefined);
    } catch {
      watcher = undefined; // the poll below still follows the file
    }
    const timer = setInterval(() => void this.poll(log), POLL_MS);
    this.watchers.set(log.file, { watcher, timer });
  }

  /** Reads what the log gained; refreshes the tree (throttled) when it grew. */
  async poll(log: OpenRewardLog): Promise<number> {
    if (this.polling.has(log.file)) return 0;
    this.polling.add(log.file);
    try {
      const r = await log.index.poll();
      if (r.restarted) this.log.info(`reward log ${path.basename(log.file)} was rotated or replaced: following the new file`);
      if (r.added || r.restarted) {
        this.grownEmitter.fire(log);
        this.scheduleRefresh();
      }
      return r.added;
    } catch (e) {
      this.log.warn(`reward log ${log.file}: ${errorMessage(e)}`);
      return 0;
    } finally {
      this.polling.delete(log.file);
    }
  }

  /** Refreshes now when the last refresh is REFRESH_MS old, else once that much time has passed (at most 4/s). */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    const wait = Math.max(0, this.lastRefresh + REFRESH_MS - performance.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.lastRefresh = performance.now();
      this.refresh();
    }, wait);
  }

  setFilter(log: OpenRewardLog, filter: RolloutFilter): void {
    log.filter = filter;
    log.shown = ROLLOUT_PAGE;
    this.refresh();
  }

  setSort(log: OpenRewardLog, sort: RolloutSort): void {
    log.sort = sort;
    log.shown = ROLLOUT_PAGE;
    this.refresh();
  }

  showMore(log: OpenRewardLog): void {
    log.shown += ROLLOUT_PAGE;
    this.refresh();
  }

  // ------------------------------------------------------------------ tree

  roots(): RewardLogNode[] {
    return this.list().map((log) => ({ kind: "rewardLog", log }));
  }

  children(node: RewardLogNode): RewardLogNode[] {
    if (node.kind !== "rewardLog") return [];
    const log = node.log;
    const matching = log.index.filter(log.filter, log.sort);
    const out: RewardLogNode[] = [];
    if (matching.length === 0)
      out.push({ kind: "rolloutInfo", log, message: log.index.size === 0 ? "no rollouts yet (waiting for the trainer)" : "no rollout matches the filter" });
    const n = Math.min(matching.length, log.shown);
    for (let i = 0; i < n; i++) out.push({ kind: "rollout", log, record: matching[i]! });
    if (matching.length > n) out.push({ kind: "rolloutMore", log, shown: n, total: matching.length });
    return out;
  }

  parent(node: RewardLogNode): RewardLogNode | undefined {
    return node.kind === "rewardLog" ? undefined : { kind: "rewardLog", log: node.log };
  }

  item(node: RewardLogNode): vscode.TreeItem {
    switch (node.kind) {
      case "rewardLog":
        return this.logItem(node.log);
      case "rollout":
        return this.rolloutItem(node.log, node.record);
      case "rolloutMore":
        return showMoreItem({ shown: node.shown, total: node.total, size: ROLLOUT_PAGE }, CommandId.showMoreRollouts, node.log.file);
      case "rolloutInfo": {
        const item = new vscode.TreeItem(node.message);
        item.iconPath = new vscode.ThemeIcon("info");
        return item;
      }
    }
  }

  private logItem(log: OpenRewardLog): vscode.TreeItem {
    const item = new vscode.TreeItem(path.basename(log.file), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `rewardLog:${log.file}`;
    const filter = describeRolloutFilter(log.filter);
    const total = log.index.filter(log.filter, log.sort).length;
    const gated = log.index.filter({ gate: "gated" }, "oldest").length;
    const parts = [filter ? `${total} of ${log.index.size} rollouts (${filter})` : `${log.index.size} rollouts`, `${gated} gated`, SORT_TEXT[log.sort]];
    if (log.server) parts.push("live");
    item.description = parts.join(" · ");
    item.tooltip = `${log.file}\nReward log: ${log.index.size} rollouts, ${gated} gated, ${log.index.badLines} unreadable lines\nSorted ${SORT_TEXT[log.sort]}${filter ? `\nFilter: ${filter}` : ""}`;
    item.iconPath = new vscode.ThemeIcon(log.server ? "pulse" : "graph-line");
    item.contextValue = filter ? "steplensRewardLog.filtered" : "steplensRewardLog";
    item.resourceUri = vscode.Uri.file(log.file);
    return item;
  }

  private rolloutItem(log: OpenRewardLog, record: number): vscode.TreeItem {
    const idx = log.index;
    const reward = idx.reward(record);
    const step = idx.trainerStep(record);
    const passed = idx.passed(record);
    const prompt = idx.prompt(record).replace(/\s+/g, " ").trim();
    const item = new vscode.TreeItem(`${Number.isFinite(reward) ? reward.toFixed(3) : "—"}  ${prompt.slice(0, 80)}${prompt.length > 80 ? "…" : ""}`);
    item.id = `rollout:${log.file}#${record}`;
    const gate = passed ? "gate passed" : `gated: ${idx.codes(record).join(", ")}`;
    item.description = `${step === null ? "" : `step ${step} · `}${gate} · ${idx.stepCount(record)} steps · ${idx.responseLength(record)} chars`;
    item.iconPath = new vscode.ThemeIcon(passed ? "pass" : "circle-slash");
    const md = new vscode.MarkdownString();
    const s = idx.summary(record);
    md.appendText(`Rollout ${s.id} (line ${s.line})\nReward ${Number.isFinite(reward) ? reward.toFixed(4) : "—"}; ${gate}\n`);
    if (step !== null) md.appendText(`Trainer step ${step}\n`);
    if (s.stepValues.length) md.appendText(`Judge values: ${s.stepValues.map((v) => v.toFixed(2)).join(" ")}\n`);
    md.appendText(`Prompt: ${prompt.slice(0, 300)}`);
    item.tooltip = md;
    item.contextValue = "steplensRollout";
    item.command = { title: "Open Rollout", command: CommandId.openRollout, arguments: [{ log: log.file, record }] };
    return item;
  }

  dispose(): void {
    for (const file of [...this.watchers.keys()]) this.close(file);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.grownEmitter.dispose();
    this.logs.clear();
  }
}

/** The log a command acts on: the tree node it ran on, a file, the only open one, or a pick. */
export async function pickRewardLog(views: RewardLogViews, arg: unknown): Promise<OpenRewardLog | undefined> {
  if (arg && typeof arg === "object" && "kind" in arg && isRewardLogNode(arg as RewardLogNode)) return views.get((arg as RewardLogNode).log.file);
  if (typeof arg === "string") return views.get(arg);
  if (arg instanceof vscode.Uri) return views.get(arg.fsPath);
  if (arg && typeof arg === "object" && typeof (arg as { log?: unknown }).log === "string") return views.get((arg as { log: string }).log);
  return pickOpenFile(views.list(), "StepLens: open a reward log first (StepLens: Open Reward Log…).", "StepLens: which reward log?");
}

/** Two numbers "a-b" (or one: a-a); undefined when the text is not that. */
export function parseNumberRange(text: string, integer: boolean): { min: number; max: number } | undefined {
  const num = integer ? "\\d+" : "-?\\d*\\.?\\d+";
  const m = new RegExp(`^\\s*(${num})\\s*(?:(?:-|–|to|,|\\.\\.)\\s*(${num}))?\\s*$`).exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  return min <= max ? { min, max } : undefined;
}

/** "Filter Rollouts…": gate reason, reward range, trainer step range, prompt, or clear. */
export async function filterRollouts(views: RewardLogViews, arg: unknown): Promise<void> {
  const log = await pickRewardLog(views, arg);
  if (!log) return;
  const which = await vscode.window.showQuickPick(
    [
      { label: "Gate…", description: log.filter.gate ?? "", key: "gate" as const },
      { label: "Reward range…", description: log.filter.reward ? `${log.filter.reward.min}–${log.filter.reward.max}` : "", key: "reward" as const },
      {
        label: "Trainer step range…",
        description: log.filter.trainerStep ? `${log.filter.trainerStep.min}–${log.filter.trainerStep.max}` : "",
        key: "trainerStep" as const,
      },
      { label: "Prompt contains…", description: log.filter.prompt ?? "", key: "prompt" as const },
      { label: "Clear all filters", key: "clear" as const },
    ],
    { title: `StepLens: filter the rollouts of ${path.basename(log.file)}` },
  );
  if (!which) return;
  const f: RolloutFilter = { ...log.filter };
  delete f.records;
  switch (which.key) {
    case "clear":
      views.setFilter(log, {});
      return;
    case "gate": {
      const pick = await vscode.window.showQuickPick(
        [
          { label: "Any", value: undefined as string | undefined },
          { label: "Passed the gate", value: "passed" },
          { label: "Gated (any reason)", value: "gated" },
          ...REWARD_REASON_CODES_FOR_LOG.map((c) => ({ label: `Gated: ${c}`, value: c })),
        ],
        { title: "Rollouts by gate" },
      );
      if (!pick) return;
      if (pick.value === undefined) delete f.gate;
      else f.gate = pick.value;
      break;
    }
    case "reward":
    case "trainerStep": {
      const integer = which.key === "trainerStep";
      const current = f[which.key];
      const text = await vscode.window.showInputBox({
        title: integer ? "Trainer steps (e.g. 10-20, or 15)" : "Reward range (e.g. 0-0.5)",
        value: current ? `${current.min}-${current.max}` : "",
        prompt: "empty removes this filter",
        validateInput: (v) => (v.trim() === "" || parseNumberRange(v, integer) ? undefined : integer ? "steps like 10-20" : "two numbers like 0-0.5"),
      });
      if (text === undefined) return;
      const range = parseNumberRange(text, integer);
      if (range) f[which.key] = range;
      else delete f[which.key];
      break;
    }
    case "prompt": {
      const text = await vscode.window.showInputBox({
        title: "Rollouts whose prompt contains (case-insensitive)",
        value: f.prompt ?? "",
        prompt: "empty removes this filter",
      });
      if (text === undefined) return;
      if (text.trim()) f.prompt = text.trim();
      else delete f.prompt;
      break;
    }
  }
  views.setFilter(log, f);
}

/** "Sort Rollouts…". */
export async function sortRollouts(views: RewardLogViews, arg: unknown): Promise<void> {
  const log = await pickRewardLog(views, arg);
  if (!log) return;
  const pick = await vscode.window.showQuickPick(
    (Object.keys(SORT_TEXT) as RolloutSort[]).map((s) => ({ label: SORT_TEXT[s], s, picked: s === log.sort })),
    { title: `StepLens: sort the rollouts of ${path.basename(log.file)}` },
  );
  if (pick) views.setSort(log, pick.s);
}
