import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { queryKeys } from "../../lib/data/keys";
import { invalidateAfterSync, useRead } from "../../lib/data/query";
import { syncStatus, type IpcError } from "../../lib/ipc";

/** How often the top bar asks the core how sync is going. */
export const SYNC_POLL_MS = 2000;

export interface SyncApi {
  /** The latest answer, or null before the first one or when the last poll failed. */
  status: SyncStatus | null;
  error: IpcError | null;
  /** Ask again now (after an edit, a dismissal, a reconnect). */
  refresh: () => void;
  /** Sync rounds completed since the provider mounted (the first answer is where it starts). */
  rounds: number;
}

const SyncContext = createContext<SyncApi>({ status: null, error: null, refresh: () => {}, rounds: 0 });

export function useSync(): SyncApi {
  return useContext(SyncContext);
}

/**
 * How many sync rounds have completed: a screen reading outside the data layer reads again when
 * it changes (queries are invalidated by the provider itself).
 */
export function useSyncRounds(): number {
  return useSync().rounds;
}

interface Props {
  children: ReactNode;
  onError?: (error: IpcError) => void;
}

/**
 * Polls sync_status every 2 s, one request at a time; only the newest answer is shown. Each
 * completed sync round (last_synced_at moves) invalidates the queries a round can change.
 */
export function SyncProvider({ children, onError }: Props) {
  const query = useRead(queryKeys.syncStatus(), syncStatus, { onError });
  const { refetch } = query;
  const refresh = useCallback(() => void refetch(), [refetch]);
  // The newest answer; none while the last poll failed.
  const status = query.error ? null : (query.data ?? null);
  const error = query.error;
  // The next poll 2 s after this one's answer (or a refresh's).
  useEffect(() => {
    if (query.isFetching) return;
    const timer = setTimeout(refresh, SYNC_POLL_MS);
    return () => clearTimeout(timer);
  }, [query.isFetching, query.dataUpdatedAt, query.errorUpdatedAt, refresh]);

  const client = useQueryClient();
  // undefined: no answer yet (or the last poll failed); null: this device never synced.
  const at = status ? status.last_synced_at : undefined;
  const seen = useRef<string | null | undefined>(at);
  const [rounds, setRounds] = useState(0);
  useEffect(() => {
    if (at === undefined || seen.current === at) return;
    const first = seen.current === undefined;
    seen.current = at;
    if (first) return;
    setRounds((n) => n + 1);
    void invalidateAfterSync(client);
  }, [at, client]);

  const api = useMemo<SyncApi>(
    () => ({ status, error, refresh, rounds }),
    [status, error, refresh, rounds],
  );
  return <SyncContext.Provider value={api}>{children}</SyncContext.Provider>;
}
