/**
 * A minimal event emitter shaped like VS Code's (`event(listener) → {dispose}`), so the editor core
 * can raise events without importing `vscode`; adapters forward them to `vscode.EventEmitter`s.
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners: ((value: T) => void)[] = [];
  private disposed = false;

  constructor(private readonly onListenerError: (error: unknown) => void = (e) => console.error("StepLens: an event listener failed:", e)) {}

  /** Subscribe; the returned object unsubscribes. */
  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    this.listeners.push(listener);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  /**
   * Calls every listener with `value`. A listener that throws does not stop the others; its error is
   * passed to `onListenerError` (default: logged with console.error).
   */
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.length;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
