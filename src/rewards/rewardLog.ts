/**
 * The reward log: one JSON line per rewarded rollout, written by `steplens serve --reward-log FILE`
 * (both reward routes) and `steplens reward --reward-log FILE`. Each line holds what a researcher
 * needs to read the reward the trainer got: when, which client, the trainer's step (when the client
 * sends it), the prompt and the whole response, the steps the judge saw (after the gate's cut), the
 * gate (passed, reason codes, details), the judge's value per step, the per-step rewards, the scalar
 * reward, the scalarisation, the judge and its model.
 *
 * The lines are also a generic StepLens dataset (`prompt` is the problem, `steps` the step texts,
 * `answer` the final answer, `reference` the gold answer), so `steplens segment` / `export` and the
 * editor read a log as they read any JSONL dataset.
 *
 * Writing is the synthesis logs' append-only writer (src/core/appendOnlyJsonl.ts): one write per line
 * on a file opened O_APPEND, never through a link; a SIGKILL loses no written line and never leaves a
 * partial one except the line being written, which the next start truncates away (and so does every
 * reader: a last line without its newline is not read). fsync at most once a second. Rotation by
 * size: when the file has reached `maxBytes`, it is renamed `NAME.1.jsonl` (the first free number,
 * never over an existing file) and a new file is started; nothing is deleted. A file that exists and
 * is not a reward log is refused (StepLens never appends to a file it did not create). No `vscode`.
 */
import fs from "node:fs";
import path from "node:path";
import * as v from "valibot";
import { AppendOnlyJsonl, type FsyncPolicy, truncateTornTail } from "../core/appendOnlyJsonl";
import { StepLensError } from "../core/errors";
import { GATE_CODES } from "./formatGate";
import type { RewardDetail, RewardItem } from "./rewardScorer";

/** The value of every line's `log` field: what marks a file as a StepLens reward log. */
export const REWARD_LOG_MARK = "steplens-reward-log";
export const REWARD_LOG_VERSION = 1;
/** The reason codes a log line's gate may hold: the gate's rules, and `too-long` (the judge's context could not hold the rollout). */
export const REWARD_REASON_CODES_FOR_LOG: readonly string[] = [...new Set([...GATE_CODES, "too-long"])];
/** Default size at which the log is rotated (MiB). */
export const DEFAULT_REWARD_LOG_MAX_MB = 256;

/** One rewarded rollout, as the routes and the CLI hand it to the log. */
export interface RewardLogEntry {
  /** The client: `client:<X-StepLens-Client>`, `addr:<peer address>`, or `cli`. */
  client: string;
  /** Where the reward was asked: `/v1/reward`, `/get_reward`, `steplens reward`. */
  route: string;
  item: RewardItem;
  detail: RewardDetail;
  /** The trainer's global step when the client sent it, else null. */
  trainerStep: number | null;
}

/** One line of the log (version 1). */
export interface RewardLogLine {
  log: typeof REWARD_LOG_MARK;
  v: number;
  /** `<run>-<n>`: unique across restarts (the run part is the writer's start time and a random tag). */
  id: string;
  /** ISO 8601 time the reward was computed. */
  time: string;
  client: string;
  route: string;
  trainerStep: number | null;
  /** The judge's model (a GGUF path, a preset, an endpoint's model name). */
  model: string;
  prompt: string;
  response: string;
  reference?: string;
  /** The steps the judge saw: the response cut after `</answer>`, segmented (a gated rollout's would-be steps). */
  steps: string[];
  gate: { passed: boolean; codes: string[]; details: string[] };
  /** The judge's value per step in [0, 1]; empty when the gate stopped the rollout. */
  stepValues: number[];
  stepRewards: number[];
  reward: number;
  scalarize: string;
  source: string;
  outcome: number | null;
  answer: string | null;
  answerCorrect: boolean | null;
  /** Model seconds for this rollout. */
  seconds: number;
}

export interface RewardLogOptions {
  /** Judge model, written on every line. */
  model: string;
  /** Rotate when the file reaches this many bytes (default 256 MiB). */
  maxBytes?: number;
  /** Default "interval" (at most one fsync a second). */
  fsync?: FsyncPolicy;
  /** Clock (tests). */
  now?: () => Date;
}

/** The line a rewarded rollout becomes. */
export function rewardLogLine(id: string, time: Date, model: string, e: RewardLogEntry): RewardLogLine {
  const d = e.detail;
  const reference = e.item.reference?.trim();
  return {
    log: REWARD_LOG_MARK,
    v: REWARD_LOG_VERSION,
    id,
    time: time.toISOString(),
    client: e.client,
    route: e.route,
    trainerStep: e.trainerStep,
    model,
    prompt: e.item.prompt,
    response: e.item.response,
    ...(reference ? { reference } : {}),
    steps: d.stepTexts,
    gate: { passed: d.gate.passed, codes: [...d.gate.reasons], details: [...d.gate.details] },
    stepValues: d.steps,
    stepRewards: d.stepRewards,
    reward: d.reward,
    scalarize: d.scalarize,
    source: d.source,
    outcome: d.outcome,
    answer: d.answer,
    answerCorrect: d.answerCorrect,
    seconds: Number(d.seconds.toFixed(4)),
  };
}

/** Whether a parsed JSON value is a reward log line (by its mark). */
export function isRewardLogLine(value: unknown): value is RewardLogLine {
  return typeof value === "object" && value !== null && (value as { log?: unknown }).log === REWARD_LOG_MARK;
}

/** The first line of `file` (at most 1 MiB of it), or null when the file is empty. */
function firstLine(file: string): string | null {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | ((fs.constants as Record<string, number>).O_NOFOLLOW ?? 0));
  try {
    const buf = Buffer.alloc(1 << 20);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n === 0) return null;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    return buf.subarray(0, nl < 0 ? n : nl).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuses to append to a file that exists and is not a reward log. */
function checkIsRewardLog(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (!st.isFile() || st.size === 0) return; // a link or a folder: the safe open refuses it with its own message
  const line = firstLine(file);
  let value: unknown;
  try {
    value = line === null ? null : JSON.parse(line);
  } catch {
    value = null;
  }
  if (line !== null && line.trim() !== "" && !isRewardLogLine(value)) {
    throw new StepLensError("this file exists and is not a StepLens reward log: refusing to append to it.", {
      file,
      line: 1,
      code: "not-a-reward-log",
      hint: "Give --reward-log a new file name (or an earlier reward log to continue it).",
    });
  }
}

/** `rewards.jsonl` → `rewards.<n>.jsonl`, the first n from 1 that is free. */
export function rotatedName(file: string, n: number): string {
  const ext = path.extname(file);
  const stem = ext ? file.slice(0, -ext.length) : file;
  return `${stem}.${n}${ext}`;
}

/** The append-only, rotating writer of a reward log. */
export class RewardLog {
  readonly file: string;
  private readonly root: string;
  private writer: AppendOnlyJsonl;
  private size: number;
  private readonly maxBytes: number;
  private readonly runId: string;
  private readonly now: () => Date;
  private seq = 0;
  /** Files this writer rotated the log into, oldest first. */
  readonly rotated: string[] = [];
  /** Lines written by this writer (all files). */
  lines = 0;

  constructor(
    file: string,
    private readonly options: RewardLogOptions,
  ) {
    this.file = path.resolve(file);
    this.root = path.dirname(this.file);
    fs.mkdirSync(this.root, { recursive: true });
    checkIsRewardLog(this.file);
    // A line cut short by a crash of the last writer is removed before appending again.
    truncateTornTail(this.file, this.root);
    this.writer = new AppendOnlyJsonl(this.file, this.root, { fsync: options.fsync ?? "interval" });
    this.size = fs.statSync(this.file).size;
    this.maxBytes = Math.max(1024, Math.floor(options.maxBytes ?? DEFAULT_REWARD_LOG_MAX_MB * 1024 * 1024));
    this.now = options.now ?? (() => new Date());
    const t = this.now().getTime().toString(36);
    this.runId = `${t}${Math.floor(Math.random() * 36 ** 4)
      .toString(36)
      .padStart(4, "0")}`;
  }

  /** Appends the line of one rewarded rollout (rotating first when the file is full). */
  append(entry: RewardLogEntry): RewardLogLine {
    return this.appendMany([entry])[0]!;
  }

  /** Appends the lines of a request's rollouts with one write (rotating first when the file is full). */
  appendMany(entries: readonly RewardLogEntry[]): RewardLogLine[] {
    if (entries.length === 0) return [];
    if (this.size >= this.maxBytes) this.rotate();
    const time = this.now();
    const lines = entries.map((e) => rewardLogLine(`${this.runId}-${++this.seq}`, time, this.options.model, e));
    const before = this.writer.bytesWritten;
    this.writer.appendMany(lines);
    this.size += this.writer.bytesWritten - before;
    this.lines += lines.length;
    return lines;
  }

  /** Renames the full file to the first free `NAME.<n>.jsonl` and starts a new one. */
  private rotate(): void {
    this.writer.close();
    for (let n = 1; ; n++) {
      const target = rotatedName(this.file, n);
      try {
        // link + unlink: never replaces an existing file (a rename would).
        fs.linkSync(this.file, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw e;
      }
      fs.unlinkSync(this.file);
      this.rotated.push(target);
      break;
    }
    this.writer = new AppendOnlyJsonl(this.file, this.root, { fsync: this.options.fsync ?? "interval" });
    this.size = 0;
  }

  sync(): void {
    this.writer.sync();
  }

  close(): void {
    this.writer.close();
  }
}

/** A trainer step in a request or an item: a non-negative integer, or null / absent for none. */
export const TrainerStepSchema = v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)));

/** Reads an optional trainer step from a request or item field (a non-negative integer; null when absent). */
export function trainerStepOf(value: unknown): number | null | "invalid" {
  return v.is(TrainerStepSchema, value) ? (value ?? null) : "invalid";
}
