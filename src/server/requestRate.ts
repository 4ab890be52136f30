/**
 * Requests per second over a sliding window (default 10 s), plus the total answered: what /health
 * reports and the editor's status bar shows. O(1) memory: one counter per second of the window.
 * No `vscode` import here.
 */
export class RequestRate {
  private readonly buckets: number[];
  private readonly stamps: number[];
  private totalCount = 0;

  constructor(
    private readonly windowSeconds = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Array(windowSeconds).fill(0);
    this.stamps = new Array(windowSeconds).fill(-1);
  }

  /** Counts one answered request. */
  add(): void {
    const sec = Math.floor(this.now() / 1000);
    const i = sec % this.windowSeconds;
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.buckets[i] = 0;
    }
    this.buckets[i]!++;
    this.totalCount++;
  }

  /** Requests per second over the window (the current, partial second included). */
  perSecond(): number {
    const sec = Math.floor(this.now() / 1000);
    let n = 0;
    for (let i = 0; i < this.windowSeconds; i++) if (this.stamps[i]! > sec - this.windowSeconds) n += this.buckets[i]!;
    return n / this.windowSeconds;
  }

  get total(): number {
    return this.totalCount;
  }
}
