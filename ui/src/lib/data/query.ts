/**
 * The data layer: TanStack Query over the IPC module. Screens read with useRead (one answer per
 * query key, shared, the newest request wins, kept while it is read again) and write with
 * useWrite (the answers a write changes are read again). A sync round invalidates what it can
 * change (SyncProvider calls invalidateAfterSync). The cache holds PHI: it lives in memory only
 * and the app clears it whenever nobody is signed in and unlocked.
 */
import {
  QueryClient,
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryKey,
  type UseMutationResult,
  type UseQueryResult,
} from "@tanstack/react-query";
import { useEffect } from "react";
import { toIpcError, type IpcError } from "../ipc";
import { useLatest } from "../useLatest";
import { CHANGED_BY_SYNC, type QueryCommand } from "./keys";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The core answers from this device: a failure is shown (with Try again), not retried.
        retry: false,
        // The core is reachable whatever navigator.onLine says (offline, it answers from the cache).
        networkMode: "always",
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: { retry: false, networkMode: "always" },
    },
  });
}

interface ReadOptions {
  /** False: do not ask (offline for a server read, nothing chosen yet). */
  enabled?: boolean | undefined;
  /** Another key (a filter changed): show the previous answer until the new one comes. */
  keepPrevious?: boolean | undefined;
  /** Told of every failed read (the app acts on a session that ended, say). */
  onError?: ((error: IpcError) => void) | undefined;
}

/** Reads `key` with `read`: the answer, or why not (an IpcError), with TanStack's flags. */
export function useRead<T>(
  key: QueryKey,
  read: () => Promise<T>,
  { enabled = true, keepPrevious = false, onError }: ReadOptions = {},
): UseQueryResult<T, IpcError> {
  const result = useQuery<T, IpcError>({
    queryKey: key,
    queryFn: () => read().catch((caught: unknown) => Promise.reject(toIpcError(caught))),
    enabled,
    placeholderData: keepPrevious ? keepPreviousData : undefined,
  });
  useReportErrors(result.error, result.errorUpdatedAt, onError);
  return result;
}

/** Calls `onError` once for each failed read (not again on a re-render). */
export function useReportErrors(
  error: IpcError | null,
  at: number,
  onError: ((error: IpcError) => void) | undefined,
): void {
  const onErrorRef = useLatest(onError);
  useEffect(() => {
    if (error) onErrorRef.current?.(error);
  }, [error, at, onErrorRef]);
}

/**
 * A write to the core (applied on this device at once, or sent to the server). On success the
 * answers it changes (`invalidates`: keys or key prefixes) are read again; the caller's promise
 * does not wait for them.
 */
export function useWrite<V, R>(
  write: (variables: V) => Promise<R>,
  invalidates: (variables: V, answer: R) => readonly QueryKey[],
): UseMutationResult<R, IpcError, V> {
  const client = useQueryClient();
  return useMutation<R, IpcError, V>({
    mutationFn: (variables) => write(variables).catch((caught: unknown) => Promise.reject(toIpcError(caught))),
    onSuccess: (answer, variables) => {
      for (const queryKey of invalidates(variables, answer)) void client.invalidateQueries({ queryKey });
    },
  });
}

/** A sync round completed: every answer it can change is read again (those on screen now). */
export function invalidateAfterSync(client: QueryClient): Promise<void> {
  return client.invalidateQueries({
    predicate: (query) => CHANGED_BY_SYNC.has(query.queryKey[0] as QueryCommand),
  });
}
