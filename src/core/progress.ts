/** Progress and cancellation, shared by the CLI (a progress bar) and VS Code (withProgress). */
export interface Progress {
  /** Units done so far and in all (total undefined when unknown). */
  done: number;
  total?: number;
  message?: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}
