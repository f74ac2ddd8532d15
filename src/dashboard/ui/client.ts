/** The one API client of the page, plus the hooks pages use to load data. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiClient, ApiError } from '../api.js';

export const api = new ApiClient(window.fetch.bind(window));

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  readonly reload: () => void;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Runs `load` when `key` changes and whenever `reload` is called. A reload
 * asked for while one is running runs once more after it (never in parallel),
 * so live updates never pile up requests.
 */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string; data: T | null; error: string | null; loading: boolean }>({
    key,
    data: null,
    error: null,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef(false);
  const again = useRef(false);
  const keyRef = useRef(key);
  keyRef.current = key;

  const run = useCallback(() => {
    if (running.current) {
      again.current = true;
      return;
    }
    running.current = true;
    const k = keyRef.current;
    setState((s) => (s.key === k ? { ...s, loading: true } : { key: k, data: null, error: null, loading: true }));
    loadRef
      .current()
      .then(
        (data) => {
          if (keyRef.current === k) setState({ key: k, data, error: null, loading: false });
        },
        (e: unknown) => {
          if (keyRef.current === k) setState((s) => ({ key: k, data: s.key === k ? s.data : null, error: errorText(e), loading: false }));
        },
      )
      .finally(() => {
        running.current = false;
        if (again.current || keyRef.current !== k) {
          again.current = false;
          run();
        }
      });
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: key is what triggers the load
  useEffect(() => {
    run();
  }, [key, run]);

  const stale = state.key !== key;
  return { data: stale ? null : state.data, error: stale ? null : state.error, loading: stale || state.loading, reload: run };
}
