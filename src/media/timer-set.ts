/**
 * Timers that are counted and cleared together. Every timer the media server and the signalling layer start
 * goes through one of these, so `size` is the number of live timers (the leak test reads it) and `clearAll()`
 * on close cannot miss one.
 */
export class TimerSet {
  readonly #live = new Set<NodeJS.Timeout>();

  timeout(ms: number, fn: () => void): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.#live.delete(handle);
      fn();
    }, ms);
    this.#live.add(handle);
    return handle;
  }

  interval(ms: number, fn: () => void): NodeJS.Timeout {
    const handle = setInterval(fn, ms);
    this.#live.add(handle);
    return handle;
  }

  /** Clears a timer started here; a handle that already fired or was cleared is ignored. */
  clear(handle: NodeJS.Timeout | null | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    clearInterval(handle);
    this.#live.delete(handle);
  }

  clearAll(): void {
    for (const handle of this.#live) {
      clearTimeout(handle);
      clearInterval(handle);
    }
    this.#live.clear();
  }

  get size(): number {
    return this.#live.size;
  }
}
