import type { SessionInfo } from "../../bindings/SessionInfo";
import { useSync } from "./SyncContext";

/**
 * Whether the server is answering: the session reached it, and sync has not found it gone since.
 * Offline either without a server session (after a restart) or while the server is not answering.
 */
export function useOnline(session: SessionInfo): boolean {
  const { status } = useSync();
  return session.online && !status?.offline_since;
}
