/**
 * Live updates: one EventSource per page on the server's SSE route. Pages
 * subscribe to the events they care about; the stream reconnects by itself
 * (the browser sends Last-Event-ID, so nothing is missed).
 */
import { useEffect, useRef, useState } from 'react';
import { parseSseEvent, type SseEvent } from '../api.js';
import { api } from './client.js';

type Listener = (e: SseEvent) => void;

/** Subscribes to events of one study (or of the study list when undefined). Returns whether the stream is connected. */
export function useLiveEvents(studyId: number | undefined, onEvent: Listener): boolean {
  const listener = useRef(onEvent);
  listener.current = onEvent;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource(api.eventsUrl(studyId));
    const handle = (ev: MessageEvent<string>) => {
      let parsed: SseEvent;
      try {
        parsed = parseSseEvent(ev.data);
      } catch {
        return;
      }
      listener.current(parsed);
    };
    const types: SseEvent['type'][] = ['hello', 'studies', 'trials', 'study', 'deleted'];
    for (const t of types) source.addEventListener(t, handle);
    source.onmessage = handle;
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    return () => {
      source.close();
      setConnected(false);
    };
  }, [studyId]);
  return connected;
}

/**
 * Calls `fn` at most once per `ms` (first call at once, later ones batched
 * into one trailing call), so a burst of trial events costs one refetch.
 */
export function useThrottled(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  const ref = useRef<() => void>(() => {});
  ref.current = () => {
    const now = Date.now();
    const wait = last.current + ms - now;
    if (wait <= 0) {
      last.current = now;
      fnRef.current();
    } else if (timer.current === null) {
      timer.current = setTimeout(() => {
        timer.current = null;
        last.current = Date.now();
        fnRef.current();
      }, wait);
    }
  };
  const stable = useRef(() => ref.current());
  return stable.current;
}

/**
 * Reloads when `tick` grows, at most once per interval; the interval adapts
 * to how long a reload takes (3× its duration, between `minMs` and 5 s), so
 * a heavy plot of a 100k-trial study with busy workers does not reload
 * back to back.
 */
export function useReloadOnTick(tick: number, reload: () => void, loading: boolean, minMs = 300): void {
  const started = useRef(0);
  const lastDuration = useRef(0);
  const wasLoading = useRef(loading);
  if (loading && !wasLoading.current) started.current = Date.now();
  if (!loading && wasLoading.current && started.current > 0) lastDuration.current = Date.now() - started.current;
  wasLoading.current = loading;
  const interval = Math.min(5000, Math.max(minMs, 3 * lastDuration.current));
  const throttled = useThrottled(reload, interval);
  const first = useRef(tick);
  useEffect(() => {
    if (tick !== first.current) throttled();
  }, [tick, throttled]);
}
