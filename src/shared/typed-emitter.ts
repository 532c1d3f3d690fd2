/**
 * A small emitter whose event names and argument lists come from one map type (STYLE 4), so a listener for
 * `'closed'` cannot be given the arguments of `'track'`. Listeners run synchronously in registration order; one
 * that throws is reported to `onListenerError` and does not stop the others.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

export type EventMap = { readonly [event: string]: readonly unknown[] };

export class TypedEmitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<Listener>>();

  constructor(private readonly onListenerError: (err: unknown, event: keyof E) => void = () => {}) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    const off = this.on(event, (...args: E[K]) => {
      off();
      listener(...args);
    });
    return off;
  }

  off<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    const set = this.#listeners.get(event);
    set?.delete(listener as unknown as Listener);
    if (set?.size === 0) this.#listeners.delete(event);
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (...a: E[K]) => void)(...args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  /** Number of listeners, all events together (tests use it to see that closing let go of everything). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
