import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Resource<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly data: T }
  | { readonly status: 'error'; readonly error: unknown };

/**
 * Loads data for a page and keeps it: `reload()` fetches again while the old data stays on screen, and `set()`
 * replaces it with what a write returned. An answer arriving after the page moved on is dropped.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<Resource<T>>({ status: 'loading' });
  const generation = useRef(0);

  const run = useCallback(async (options: { keepData: boolean }) => {
    const mine = ++generation.current;
    if (!options.keepData) setState({ status: 'loading' });
    try {
      const data = await load();
      if (mine === generation.current) setState({ status: 'ready', data });
    } catch (error) {
      if (mine === generation.current) setState({ status: 'error', error });
    }
    // `deps` lists what `load` reads: the caller's closure changes every render, its inputs do not.
  }, deps);

  useEffect(() => {
    void run({ keepData: false });
    return () => {
      generation.current++;
    };
  }, [run]);

  return {
    state,
    reload: () => run({ keepData: true }),
    set: (data: T) => {
      generation.current++;
      setState({ status: 'ready', data });
    },
  };
}
