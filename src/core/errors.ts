/**
 * Errors a user can act on: they name the file and line, what is wrong, and what to do.
 * `toString()` gives the `file:line: message` form the CLI prints.
 */
export class StepLensError extends Error {
  constructor(
    message: string,
    readonly details: { file?: string; line?: number; hint?: string; code?: string } = {},
  ) {
    super(message);
    this.name = "StepLensError";
  }

  /** `file:line: message. hint` (parts that are unknown are left out). */
  format(): string {
    const where = this.details.file ? `${this.details.file}${this.details.line != null ? `:${this.details.line}` : ""}: ` : "";
    const hint = this.details.hint ? ` ${this.details.hint}` : "";
    return `${where}${this.message}${hint}`;
  }
}

/** Thrown when work is cancelled through an AbortSignal. */
export class CancelledError extends Error {
  constructor(message = "Cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(e: unknown): string {
  if (e instanceof StepLensError) return e.format();
  if (e instanceof Error) return e.message;
  return String(e);
}
