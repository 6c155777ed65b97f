import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { syncStatus, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";

/** How often the top bar asks the core how sync is going. */
export const SYNC_POLL_MS = 2000;

export interface SyncApi {
  /** The latest answer, or null before the first one or when the last poll failed. */
  status: SyncStatus | null;
  error: IpcError | null;
  /** Ask again now (after an edit, a dismissal, a reconnect). */
  refresh: () => void;
}

const SyncContext = createContext<SyncApi>({ status: null, error: null, refresh: () => {} });

export function useSync(): SyncApi {
  return useContext(SyncContext);
}

/**
 * How many sync rounds have completed since the caller mounted: a screen reading from the cache
 * reads again when it changes. The first answer the caller sees is where it starts, not a round.
 */
export function useSyncRounds(): number {
  const { status } = useSync();
  // undefined: no answer yet (or the last poll failed); null: this device never synced.
  const at = status ? status.last_synced_at : undefined;
  const seen = useRef<string | null | undefined>(at);
  const [rounds, setRounds] = useState(0);
  useEffect(() => {
    if (at === undefined || seen.current === at) return;
    const first = seen.current === undefined;
    seen.current = at;
    if (!first) setRounds((n) => n + 1);
  }, [at]);
  return rounds;
}

interface Props {
  children: ReactNode;
  onError?: (error: IpcError) => void;
}

/** Polls sync_status every 2 s, one request at a time; only the newest answer is shown. */
export function SyncProvider({ children, onError }: Props) {
  const [state, setState] = useState<{ status: SyncStatus | null; error: IpcError | null }>({
    status: null,
    error: null,
  });
  const refreshRef = useRef<() => void>(() => {});
  const onErrorRef = useLatest(onError);

  useEffect(() => {
    let alive = true;
    let latest = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    function poll() {
      clearTimeout(timer);
      timer = undefined;
      const request = ++latest;
      syncStatus()
        .then(
          (status) => {
            if (alive && request === latest) setState({ status, error: null });
          },
          (caught: unknown) => {
            if (!alive || request !== latest) return;
            const error = toIpcError(caught);
            setState({ status: null, error });
            onErrorRef.current?.(error);
          },
        )
        .finally(() => {
          if (alive && request === latest) timer = setTimeout(poll, SYNC_POLL_MS);
        });
    }

    refreshRef.current = poll;
    poll();
    return () => {
      alive = false;
      clearTimeout(timer);
      refreshRef.current = () => {};
    };
  }, [onErrorRef]);

  const api = useMemo<SyncApi>(
    () => ({ status: state.status, error: state.error, refresh: () => refreshRef.current() }),
    [state],
  );
  return <SyncContext.Provider value={api}>{children}</SyncContext.Provider>;
}
