import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often every view refreshes: with the answer's own time, well within the spec's 2 s. */
export const POLL_INTERVAL_MS = 1_000;

export interface Polled<T> {
  value: T | undefined;
  error: Error | undefined;
  /** When the last successful answer arrived (page clock). */
  updatedAtMs: number | undefined;
  refresh: () => void;
}

/**
 * Calls `load` now and every POLL_INTERVAL_MS while mounted, one call at a time, again
 * whenever a dependency changes. A failure keeps the last value and reports the error.
 */
export function usePoll<T>(load: () => Promise<T>, deps: readonly unknown[]): Polled<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [updatedAtMs, setUpdatedAtMs] = useState<number | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const refresh = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const next = await loadRef.current();
        if (stopped) return;
        setValue(next);
        setError(undefined);
        setUpdatedAtMs(Date.now());
      } catch (caught) {
        if (!stopped) setError(caught instanceof Error ? caught : new Error(String(caught)));
      }
      if (!stopped) timer = setTimeout(() => void run(), POLL_INTERVAL_MS);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);

  return { value, error, updatedAtMs, refresh };
}

/** The page clock, ticking every second (countdowns, "ago"). */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
