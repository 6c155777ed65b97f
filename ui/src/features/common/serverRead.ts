import { toIpcError, type IpcError } from "../../lib/ipc";

/** Why something only the server has is not shown. */
export type ReadFailure = { kind: "offline"; message: string } | { kind: "failed"; error: IpcError };

/**
 * A read from the server failed: offline when the server could not be reached (its reason kept),
 * otherwise failed, and passed to `onError` (the app may act on it: a session that ended, say).
 */
export function readFailure(caught: unknown, onError?: ((error: IpcError) => void) | undefined): ReadFailure {
  const failure = toIpcError(caught);
  if (failure.code === "server_unreachable") return { kind: "offline", message: failure.message };
  onError?.(failure);
  return { kind: "failed", error: failure };
}

/** The start of an offline note: the server's reason when it stopped answering, else that Rounds is offline. */
export function offlineReason(message: string | null): string {
  return message ? `${message}. ` : "Rounds is offline now. ";
}
