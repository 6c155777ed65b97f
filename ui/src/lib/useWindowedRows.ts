import { useCallback, useEffect, useRef, useState } from "react";
import { toIpcError, type IpcError } from "./ipc";
import { useLatest } from "./useLatest";

/** The most rows one request may ask for (the core's limit for inbox and message windows). */
export const MAX_WINDOW = 500;

/** One answer: the rows from the offset asked for, how many there are in all, and what else came. */
export interface RowWindow<T, E> {
  items: T[];
  total: number;
  extra: E;
}

interface Options<T, E> {
  /** What is listed (a filter, a thread): another key starts from nothing. */
  key: string;
  /** Bumped to read again (a sync round, an action): the rows shown stay until their new answer. */
  generation: number;
  /** Reads rows `offset..offset + limit`. */
  read: (offset: number, limit: number) => Promise<RowWindow<T, E>>;
  /** Rows per request: the rows in view and more around them. */
  windowSize: number;
  /** How many rows there are, when known before any answer (the first window then ends there). */
  totalHint?: number | null | undefined;
  /** Where to read first when nothing is known yet (a row remembered from before). */
  anchor?: number | undefined;
  onError?: ((error: IpcError) => void) | undefined;
}

export interface WindowedRows<T, E> {
  /** Rows in all, from the latest answer (or the hint); null before any. */
  total: number | null;
  /** What came with the latest answer (an inbox's counts). */
  extra: E | null;
  /** The latest request failed (cleared by the next answer). */
  error: IpcError | null;
  /** Nothing answered yet for this key. */
  loading: boolean;
  rowAt: (index: number) => T | undefined;
  /** The rows in view (`last` is one past the end): reads those not loaded (or stale) a window at a time. */
  want: (first: number, last: number) => void;
  /** A row known here first (a reply just posted): shown at once, read again with the next generation. */
  put: (index: number, row: T, total: number) => void;
  /** Rows that came with something else (a thread's newest messages, with the thread): taken as
   * this generation's answer for `start..start + rows.length`, so they are not asked for again. */
  seed: (start: number, rows: T[], total: number) => void;
}

interface Loaded<T> {
  generation: number;
  row: T;
}

interface Store<T, E> {
  key: string;
  rows: Map<number, Loaded<T>>;
  total: number | null;
  /** The generation the total came from (an older answer arriving late does not undo it). */
  totalGeneration: number;
  extra: E | null;
  error: IpcError | null;
  answered: boolean;
  /** Requests on their way. */
  pending: Array<{ generation: number; start: number; end: number }>;
  /** Windows asked for in a generation: never twice (a short answer must not loop). */
  tried: Set<string>;
}

function emptyStore<T, E>(key: string): Store<T, E> {
  return {
    key,
    rows: new Map(),
    total: null,
    totalGeneration: -1,
    extra: null,
    error: null,
    answered: false,
    pending: [],
    tried: new Set(),
  };
}

/**
 * The window to read so that rows `lo..hi` (missing) are covered: `size` rows centred on them,
 * kept inside `0..total` when the total is known (at the end of a thread: the last `size`).
 */
export function windowAround(lo: number, hi: number, size: number, total: number | null): { start: number; end: number } {
  const span = Math.min(MAX_WINDOW, Math.max(size, hi - lo));
  let start = Math.max(0, lo - Math.floor((span - (hi - lo)) / 2));
  let end = start + span;
  if (total !== null && end > total) {
    end = total;
    start = Math.max(0, end - span);
  }
  return { start, end };
}

/**
 * A long list read a window at a time (a virtualised list's rows): only what is in view is asked
 * for, each row once per generation; a new generation reads the rows in view again and shows the
 * old ones until the new answer. Answers for another key are dropped.
 */
export function useWindowedRows<T, E>({
  key,
  generation,
  read,
  windowSize,
  totalHint = null,
  anchor,
  onError,
}: Options<T, E>): WindowedRows<T, E> {
  const store = useRef<Store<T, E>>(emptyStore(key));
  const [, setVersion] = useState(0);
  const rerender = useCallback(() => setVersion((v) => v + 1), []);
  const wanted = useRef<{ first: number; last: number } | null>(null);
  const latest = useLatest({ key, generation, read, windowSize, totalHint, anchor, onError });

  // Another list: start from nothing (answers for the old one are dropped on arrival).
  if (store.current.key !== key) store.current = emptyStore(key);

  const fill = useCallback(() => {
    const { key, generation, read, windowSize, totalHint, anchor, onError } = latest.current;
    const s = store.current;
    const range = wanted.current;
    if (s.key !== key || range === null) return;
    const total = s.total ?? totalHint;
    let first = range.first;
    let last = range.last;
    if (total === null) {
      // Nothing known: the first window, where the list will open.
      first = anchor ?? first;
      last = first + 1;
    } else {
      last = Math.min(last, total);
      first = Math.min(first, last);
    }
    const fresh = (i: number) =>
      (s.rows.get(i)?.generation ?? -1) >= generation ||
      s.pending.some((p) => p.generation >= generation && p.start <= i && i < p.end);
    let lo = -1;
    let hi = -1;
    for (let i = first; i < last; i += 1) {
      if (fresh(i)) continue;
      if (lo < 0) lo = i;
      hi = i + 1;
    }
    if (lo < 0) return;
    const { start, end } = windowAround(lo, hi, windowSize, total);
    const tag = `${generation}:${start}:${end}`;
    if (end <= start || s.tried.has(tag)) return;
    s.tried.add(tag);
    const request = { generation, start, end };
    s.pending.push(request);
    read(start, end - start).then(
      (answer) => {
        s.pending = s.pending.filter((p) => p !== request);
        if (store.current !== s) return;
        answer.items.forEach((row, k) => {
          const index = start + k;
          if ((s.rows.get(index)?.generation ?? -1) <= generation) s.rows.set(index, { generation, row });
        });
        if (generation >= s.totalGeneration) {
          s.total = answer.total;
          s.totalGeneration = generation;
          s.extra = answer.extra;
          for (const index of s.rows.keys()) if (index >= answer.total) s.rows.delete(index);
        }
        s.error = null;
        s.answered = true;
        rerender();
        // The total may have changed what is in view.
        fill();
      },
      (caught: unknown) => {
        s.pending = s.pending.filter((p) => p !== request);
        if (store.current !== s) return;
        const failure = toIpcError(caught);
        s.error = failure;
        s.answered = true;
        rerender();
        onError?.(failure);
      },
    );
  }, [latest, rerender]);

  // A new list or a new generation: read what is in view.
  useEffect(() => {
    fill();
  }, [key, generation, fill]);

  const want = useCallback(
    (first: number, last: number) => {
      wanted.current = { first, last };
      fill();
    },
    [fill],
  );

  const put = useCallback(
    (index: number, row: T, total: number) => {
      const s = store.current;
      s.rows.set(index, { generation: latest.current.generation, row });
      s.total = total;
      rerender();
    },
    [latest, rerender],
  );

  const seed = useCallback(
    (start: number, rows: T[], total: number) => {
      const s = store.current;
      const { generation } = latest.current;
      rows.forEach((row, k) => {
        if ((s.rows.get(start + k)?.generation ?? -1) <= generation) s.rows.set(start + k, { generation, row });
      });
      if (generation >= s.totalGeneration) {
        s.total = total;
        s.totalGeneration = generation;
      }
      s.answered = true;
      rerender();
      fill();
    },
    [latest, rerender, fill],
  );

  const s = store.current;
  const rowAt = useCallback((index: number) => store.current.rows.get(index)?.row, []);
  return {
    total: s.total ?? totalHint,
    extra: s.extra,
    error: s.error,
    loading: !s.answered,
    rowAt,
    want,
    put,
    seed,
  };
}
