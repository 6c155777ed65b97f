import { useQueries, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { toIpcError, type IpcError } from "../ipc";
import { useReportErrors } from "./query";

/** One answer: the rows from the offset asked for, how many there are in all, and what else came. */
export interface RowWindow<T, E> {
  items: T[];
  total: number;
  extra: E;
}

interface Options<T, E> {
  /** What is listed (a filter, a thread): another list starts from nothing. */
  listKey: string;
  /** The key of rows `start..start + size` (one query per page: invalidated like any other). */
  pageKey: (start: number, size: number) => QueryKey;
  read: (start: number, size: number) => Promise<RowWindow<T, E>>;
  /** Rows per page (and per request): the rows in view and more around them. */
  pageSize: number;
  /** How many rows there are, when known from elsewhere (the thread's answer)... */
  totalHint?: number | null | undefined;
  /** ...and when that was known: the newer of it and the pages' answers counts. */
  hintAt?: number | undefined;
  /** Where the list opens when nothing is known yet (a row remembered from before). */
  anchor?: number | undefined;
  /** Rows known without a page (a thread's newest, which came with the thread): not asked for. */
  known?: ((index: number) => T | undefined) | undefined;
  enabled?: boolean | undefined;
  onError?: ((error: IpcError) => void) | undefined;
}

export interface RowPages<T, E> {
  /** Rows in all, from the newest answer (or the hint); null before any. */
  total: number | null;
  /** What came with the newest answer (an inbox's counts). */
  extra: E | null;
  /** A page in view failed to read (cleared by its next answer). */
  error: IpcError | null;
  /** Nothing answered yet. */
  loading: boolean;
  rowAt: (index: number) => T | undefined;
  /** The rows in view (`last` is one past the end): their pages are read. */
  want: (first: number, last: number) => void;
  /** Reads the pages in view again. */
  refetch: () => void;
}

/**
 * A long list read a page at a time (a virtual list's rows): only the pages in view are queries,
 * each cached under its own key, so a sync round or a write reads again just what is on screen
 * and shows the old rows until the new answer.
 */
export function useRowPages<T, E>({
  listKey,
  pageKey,
  read,
  pageSize,
  totalHint = null,
  hintAt = 0,
  anchor,
  known,
  enabled = true,
  onError,
}: Options<T, E>): RowPages<T, E> {
  const client = useQueryClient();
  const [range, setRange] = useState<{ first: number; last: number } | null>(null);

  const [kept, setKept] = useState<{ listKey: string; total: number; extra: E; at: number } | null>(null);
  const previous = kept?.listKey === listKey ? kept : null;
  const knownTotal = previous && (totalHint === null || previous.at > hintAt) ? previous.total : totalHint;

  // The pages holding rows in view (the opening page while nothing is known).
  const starts: number[] = [];
  const from = knownTotal === null ? (anchor ?? range?.first ?? 0) : Math.min(range?.first ?? anchor ?? 0, knownTotal);
  // With the total known, nothing is read until the list says which rows are in view.
  const to = knownTotal === null ? from + 1 : range === null ? from : Math.min(range.last, knownTotal);
  for (let i = from; i < to; i += 1) {
    if (known?.(i) !== undefined) continue;
    const start = Math.floor(i / pageSize) * pageSize;
    if (starts.at(-1) !== start) starts.push(start);
  }

  const pages = useQueries({
    queries: starts.map((start) => ({
      queryKey: pageKey(start, pageSize),
      queryFn: () => read(start, pageSize).catch((caught: unknown) => Promise.reject(toIpcError(caught))),
      enabled,
    })),
  });

  // The newest answer says how many rows there are now; it is kept while other pages load.
  let newest: { total: number; extra: E; at: number } | null = null;
  let error: IpcError | null = null;
  let errorAt = 0;
  for (const page of pages) {
    if (page.data && (!newest || page.dataUpdatedAt > newest.at)) {
      newest = { total: page.data.total, extra: page.data.extra, at: page.dataUpdatedAt };
    }
    if (page.error && !error) {
      error = page.error as IpcError;
      errorAt = page.errorUpdatedAt;
    }
  }
  useReportErrors(error, errorAt, onError);
  const newestTotal = newest?.total;
  const newestExtra = newest?.extra;
  const newestAt = newest?.at;
  useEffect(() => {
    if (newestTotal !== undefined && newestAt !== undefined) {
      setKept({ listKey, total: newestTotal, extra: newestExtra as E, at: newestAt });
    }
  }, [listKey, newestTotal, newestExtra, newestAt]);

  const version = pages.map((p) => p.dataUpdatedAt).join(",");
  const rowAt = useCallback(
    (index: number) => {
      const start = Math.floor(index / pageSize) * pageSize;
      const page = client.getQueryData<RowWindow<T, E>>(pageKey(start, pageSize));
      return page?.items[index - start] ?? known?.(index);
    },
    // A new answer for a page in view is a new rowAt (lists re-render their rows).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [client, pageSize, known, pageKey, version],
  );

  const want = useCallback((first: number, last: number) => {
    setRange((r) => (r && r.first === first && r.last === last ? r : { first, last }));
  }, []);

  const refetch = useCallback(() => {
    for (const page of pages) void page.refetch();
  }, [pages]);

  const total = newest && (totalHint === null || newest.at > hintAt) ? newest.total : knownTotal;
  const extra = newest?.extra ?? previous?.extra ?? null;
  const answered = newest !== null || previous !== null || error !== null;
  return {
    total,
    extra,
    error,
    loading: starts.length > 0 && !answered,
    rowAt,
    want,
    refetch,
  };
}
