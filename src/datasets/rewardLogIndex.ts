/**
 * A reward log (src/rewards/rewardLog.ts) as a live dataset for the editor: an index that tails the
 * file. `poll()` reads only the bytes appended since the last poll (never the whole file again) and
 * indexes the whole lines among them; a last line still being written is left for the next poll.
 * When the file was rotated or replaced (it shrank, or its inode changed), the index starts over on
 * the new file and says so.
 *
 * Per rollout it keeps compact columns (typed arrays, no object per rollout): where the line lies,
 * the reward, the trainer step, the gate (passed + one bit per reason code), the step count, the
 * response length, the prompt (interned: GRPO asks the same prompt many times) and the judge's value
 * per step (one flat Float32Array). 100k rollouts cost a few MB; filters and sorts run over the
 * arrays. A rollout's full line is read from disk when it is opened. No `vscode` import.
 */
import fs from "node:fs";
import { StepLensError } from "../core/errors";
import { REWARD_REASON_CODES_FOR_LOG, isRewardLogLine, type RewardLogLine } from "../rewards/rewardLog";
import { LruCache } from "../core/lruCache";
import { growColumn } from "../core/typedArrays";

/** Rollouts whose gate codes (bit i = REWARD_REASON_CODES_FOR_LOG[i]) are stored as a bit mask; unknown codes set the last bit. */
const OTHER_CODE_BIT = 1 << 7;
const NO_STEP = -1;
/** Errors kept for unreadable lines (the rest are counted). */
const MAX_KEPT_ERRORS = 100;
const READ_CHUNK = 1 << 20;

export type RolloutGateFilter = "passed" | "gated" | string;
export type RolloutSort = "newest" | "oldest" | "reward-desc" | "reward-asc";

export interface RolloutFilter {
  /** "passed", "gated" (any code), or one reason code. */
  gate?: RolloutGateFilter;
  reward?: { min: number; max: number };
  trainerStep?: { min: number; max: number };
  /** Case-insensitive substring of the prompt. */
  prompt?: string;
  /** Rollouts by position in the file (0-based, inclusive). */
  records?: { min: number; max: number };
}

export interface RolloutSummary {
  record: number;
  id: string;
  /** 1-based line in the file. */
  line: number;
  reward: number;
  trainerStep: number | null;
  passed: boolean;
  codes: string[];
  steps: number;
  responseLength: number;
  prompt: string;
  /** The judge's value per step (empty when gated). */
  stepValues: number[];
}

export interface PollResult {
  /** Rollouts added by this poll. */
  added: number;
  /** The file was rotated or replaced: the index started over. */
  restarted: boolean;
}

export class RewardLogIndex {
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private lineNumbers = new Uint32Array(1024);
  private rewards = new Float64Array(1024);
  private trainerSteps = new Int32Array(1024);
  private gateBits = new Uint8Array(1024);
  private passedFlags = new Uint8Array(1024);
  private stepCounts = new Uint32Array(1024);
  private responseLengths = new Uint32Array(1024);
  private promptIds = new Uint32Array(1024);
  private stepStart = new Uint32Array(1025);
  private stepValues = new Float32Array(8192);
  private ids: string[] = [];
  private readonly prompts: string[] = [];
  private readonly promptIndex = new Map<string, number>();
  private count = 0;
  private valueCount = 0;
  /** Bytes of the file indexed (whole lines only). */
  private consumed = 0;
  private nextLine = 1;
  private inode = -1;
  private filterCache = new LruCache<string, Uint32Array>(16);
  /** Bumped on every change (new rollouts, restart): invalidates cached filters and views. */
  version = 0;
  badLines = 0;
  readonly errors: StepLensError[] = [];
  /** Times the file was found rotated or replaced. */
  restarts = 0;

  constructor(readonly file: string) {}

  /** Opens and indexes everything the file holds now. */
  static async open(file: string): Promise<RewardLogIndex> {
    const index = new RewardLogIndex(file);
    await index.poll();
    return index;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes indexed so far. */
  get bytes(): number {
    return this.consumed;
  }

  /** Reads what was appended since the last poll (see the top of this file). */
  async poll(): Promise<PollResult> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, fs.constants.O_RDONLY | ((fs.constants as Record<string, number>).O_NOFOLLOW ?? 0));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { added: 0, restarted: false }; // rotated away for a moment, or not created yet
      throw e;
    }
    let restarted = false;
    let before = this.count;
    try {
      const st = await handle.stat();
      if ((this.inode !== -1 && st.ino !== this.inode) || st.size < this.consumed) {
        this.reset();
        before = 0;
        restarted = true;
        this.restarts++;
      }
      this.inode = st.ino;
      let pending: Buffer = Buffer.alloc(0);
      let position = this.consumed;
      while (position < st.size) {
        const buf = Buffer.alloc(Math.min(READ_CHUNK, st.size - position));
        const { bytesRead } = await handle.read(buf, 0, buf.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const data = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
          this.addLine(data.subarray(start, nl), this.consumed);
          this.consumed += nl - start + 1;
          start = nl + 1;
        }
        pending = Buffer.from(data.subarray(start));
      }
    } finally {
      await handle.close();
    }
    const added = this.count - before;
    if (added || restarted) this.changed();
    return { added, restarted };
  }

  private reset(): void {
    this.count = 0;
    this.valueCount = 0;
    this.consumed = 0;
    this.nextLine = 1;
    this.ids = [];
    this.badLines = 0;
    this.errors.length = 0;
  }

  private addLine(bytes: Buffer, offset: number): void {
    const line = this.nextLine++;
    const text = bytes.toString("utf8");
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.bad(line, `line ${line} is not valid JSON (${(e as Error).message})`);
      return;
    }
    if (!isRewardLogLine(value)) {
      this.bad(line, `line ${line} is not a reward log line (no "log": "steplens-reward-log")`);
      return;
    }
    this.push(value, offset, bytes.length, line);
  }

  private bad(line: number, message: string): void {
    this.badLines++;
    if (this.errors.length < MAX_KEPT_ERRORS)
      this.errors.push(
        new StepLensError(message, { file: this.file, line, code: "bad-reward-log-line", hint: "The line is skipped; the other rollouts are shown." }),
      );
  }

  private push(r: RewardLogLine, offset: number, length: number, line: number): void {
    const i = this.count;
    if (i === this.offsets.length) {
      const n = i * 2;
      this.offsets = growColumn(this.offsets, n);
      this.lengths = growColumn(this.lengths, n);
      this.lineNumbers = growColumn(this.lineNumbers, n);
      this.rewards = growColumn(this.rewards, n);
      this.trainerSteps = growColumn(this.trainerSteps, n);
      this.gateBits = growColumn(this.gateBits, n);
      this.passedFlags = growColumn(this.passedFlags, n);
      this.stepCounts = growColumn(this.stepCounts, n);
      this.responseLengths = growColumn(this.responseLengths, n);
      this.promptIds = growColumn(this.promptIds, n);
      this.stepStart = growColumn(this.stepStart, n + 1);
    }
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.lineNumbers[i] = line;
    this.rewards[i] = typeof r.reward === "number" ? r.reward : Number.NaN;
    this.trainerSteps[i] = Number.isInteger(r.trainerStep) && (r.trainerStep as number) >= 0 ? Math.min(r.trainerStep as number, 2 ** 31 - 1) : NO_STEP;
    this.passedFlags[i] = r.gate?.passed ? 1 : 0;
    let bits = 0;
    for (const c of Array.isArray(r.gate?.codes) ? r.gate.codes : []) {
      const k = REWARD_REASON_CODES_FOR_LOG.indexOf(c);
      bits |= k >= 0 && k < 7 ? 1 << k : OTHER_CODE_BIT;
    }
    this.gateBits[i] = bits;
    this.stepCounts[i] = Array.isArray(r.steps) ? r.steps.length : 0;
    this.responseLengths[i] = typeof r.response === "string" ? r.response.length : 0;
    const prompt = typeof r.prompt === "string" ? r.prompt : "";
    let pid = this.promptIndex.get(prompt);
    if (pid === undefined) {
      pid = this.prompts.length;
      this.prompts.push(prompt);
      this.promptIndex.set(prompt, pid);
    }
    this.promptIds[i] = pid;
    const values = Array.isArray(r.stepValues) ? r.stepValues : [];
    this.stepStart[i] = this.valueCount;
    if (this.valueCount + values.length > this.stepValues.length)
      this.stepValues = growColumn(this.stepValues, Math.max(this.stepValues.length * 2, this.valueCount + values.length));
    for (const v of values) this.stepValues[this.valueCount++] = typeof v === "number" ? v : Number.NaN;
    this.stepStart[i + 1] = this.valueCount;
    this.ids.push(typeof r.id === "string" ? r.id : String(i));
    this.count++;
  }

  private changed(): void {
    this.version++;
    this.filterCache.clear();
  }

  private check(record: number): void {
    if (!Number.isInteger(record) || record < 0 || record >= this.count) throw new RangeError(`rollout ${record} is outside 0..${this.count - 1}`);
  }

  reward(record: number): number {
    return this.rewards[record]!;
  }

  /** The trainer step of a rollout, null when its client sent none. */
  trainerStep(record: number): number | null {
    const s = this.trainerSteps[record]!;
    return s === NO_STEP ? null : s;
  }

  passed(record: number): boolean {
    return this.passedFlags[record] === 1;
  }

  /** The reason codes of a rollout (from its bit mask; `other` for a code this version does not know). */
  codes(record: number): string[] {
    const bits = this.gateBits[record]!;
    const out: string[] = [];
    for (let k = 0; k < 7 && k < REWARD_REASON_CODES_FOR_LOG.length; k++) if (bits & (1 << k)) out.push(REWARD_REASON_CODES_FOR_LOG[k]!);
    if (bits & OTHER_CODE_BIT) out.push("other");
    return out;
  }

  hasCode(record: number, code: string): boolean {
    const k = REWARD_REASON_CODES_FOR_LOG.indexOf(code);
    const bit = k >= 0 && k < 7 ? 1 << k : OTHER_CODE_BIT;
    return (this.gateBits[record]! & bit) !== 0;
  }

  stepCount(record: number): number {
    return this.stepCounts[record]!;
  }

  responseLength(record: number): number {
    return this.responseLengths[record]!;
  }

  prompt(record: number): string {
    return this.prompts[this.promptIds[record]!]!;
  }

  values(record: number): Float32Array {
    return this.stepValues.subarray(this.stepStart[record]!, this.stepStart[record + 1]!);
  }

  summary(record: number): RolloutSummary {
    this.check(record);
    return {
      record,
      id: this.ids[record]!,
      line: this.lineNumbers[record]!,
      reward: this.rewards[record]!,
      trainerStep: this.trainerStep(record),
      passed: this.passed(record),
      codes: this.codes(record),
      steps: this.stepCounts[record]!,
      responseLength: this.responseLengths[record]!,
      prompt: this.prompt(record),
      stepValues: Array.from(this.values(record)),
    };
  }

  /** The rollout's whole line, read from disk. */
  async load(record: number): Promise<RewardLogLine> {
    this.check(record);
    const handle = await fs.promises.open(this.file, "r");
    try {
      const buf = Buffer.alloc(this.lengths[record]!);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offsets[record]!);
      const value: unknown = JSON.parse(buf.subarray(0, bytesRead).toString("utf8"));
      if (!isRewardLogLine(value) || (value.id ?? "") !== this.ids[record])
        throw new StepLensError("the reward log changed since it was indexed (rotated or replaced).", {
          file: this.file,
          line: this.lineNumbers[record],
          code: "stale-index",
          hint: "The view follows the new file; open the rotated file (NAME.<n>.jsonl) for older rollouts.",
        });
      return value;
    } catch (e) {
      if (e instanceof SyntaxError)
        throw new StepLensError("the reward log changed since it was indexed.", { file: this.file, line: this.lineNumbers[record], code: "stale-index" });
      throw e;
    } finally {
      await handle.close();
    }
  }

  /** Rollouts matching `filter`, in `sort` order (cached until the index changes). */
  filter(filter: RolloutFilter = {}, sort: RolloutSort = "newest"): Uint32Array {
    const key = `${this.version}:${sort}:${JSON.stringify(filter)}`;
    const hit = this.filterCache.get(key);
    if (hit) return hit;
    const out = new Uint32Array(this.count);
    let k = 0;
    let promptOk: Uint8Array | null = null;
    if (filter.prompt) {
      const needle = filter.prompt.toLowerCase();
      promptOk = new Uint8Array(this.prompts.length);
      for (let p = 0; p < this.prompts.length; p++) if (this.prompts[p]!.toLowerCase().includes(needle)) promptOk[p] = 1;
    }
    const gate = filter.gate;
    const codeBit =
      gate && gate !== "passed" && gate !== "gated" ? ((i) => (i >= 0 && i < 7 ? 1 << i : OTHER_CODE_BIT))(REWARD_REASON_CODES_FOR_LOG.indexOf(gate)) : 0;
    for (let r = 0; r < this.count; r++) {
      if (gate === "passed" && !this.passedFlags[r]) continue;
      if (gate === "gated" && this.passedFlags[r]) continue;
      if (codeBit && !(this.gateBits[r]! & codeBit)) continue;
      if (filter.reward) {
        const v = this.rewards[r]!;
        if (!(v >= filter.reward.min && v <= filter.reward.max)) continue;
      }
      if (filter.trainerStep) {
        const s = this.trainerSteps[r]!;
        if (s === NO_STEP || s < filter.trainerStep.min || s > filter.trainerStep.max) continue;
      }
      if (promptOk && !promptOk[this.promptIds[r]!]) continue;
      if (filter.records && (r < filter.records.min || r > filter.records.max)) continue;
      out[k++] = r;
    }
    const result = out.slice(0, k);
    if (sort === "newest") result.reverse();
    else if (sort === "reward-desc" || sort === "reward-asc") {
      const rewards = this.rewards;
      const sign = sort === "reward-desc" ? -1 : 1;
      // Stable: ties keep file order. NaN rewards go last.
      const order = Array.from(result).sort((a, b) => {
        const x = rewards[a]!;
        const y = rewards[b]!;
        if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? a - b : 1) : -1;
        return x === y ? a - b : sign * (x - y);
      });
      result.set(order);
    }
    this.filterCache.set(key, result);
    return result;
  }

  /** Approximate bytes held (typed arrays, ids, interned prompts). */
  memoryBytes(): number {
    const arrays = [
      this.offsets,
      this.lengths,
      this.lineNumbers,
      this.rewards,
      this.trainerSteps,
      this.gateBits,
      this.passedFlags,
      this.stepCounts,
      this.responseLengths,
      this.promptIds,
      this.stepStart,
      this.stepValues,
    ];
    return (
      arrays.reduce((s, a) => s + a.byteLength, 0) +
      this.ids.reduce((s, id) => s + 2 * id.length + 16, 0) +
      this.prompts.reduce((s, p) => s + 2 * p.length + 16, 0)
    );
  }
}
