import type { SessionInfo } from "../../bindings/SessionInfo";
import { useSync } from "./SyncContext";

/**
 * Whether the server is answering: the session reached it (at sign-in, or since a restart when
 * the session kept in the keychain was renewed), and sync has not found it gone since.
 */
export function useOnline(session: SessionInfo): boolean {
  const { status } = useSync();
  return hasLiveSession(session, status?.session_live) && !status?.offline_since;
}

/** The device holds a session the server accepted: from sign-in, or renewed by sync since. */
export function hasLiveSession(session: SessionInfo, sessionLive: boolean | undefined): boolean {
  return session.online || sessionLive === true;
}
