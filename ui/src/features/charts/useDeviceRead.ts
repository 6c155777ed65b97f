import type { UseQueryResult } from "@tanstack/react-query";
import type { IpcError } from "../../lib/ipc";

/** What a picture draws from: its answer, or why there is none yet. */
export type DeviceRead<T> = { kind: "loading" } | { kind: "failed"; error: IpcError } | { kind: "loaded"; value: T };

/**
 * A data-layer read (useRead) as a picture's state. The last answer stays while the same
 * question is asked again (after a sync round), so a picture never flickers.
 */
export function asDeviceRead<T>(query: UseQueryResult<T, IpcError>): DeviceRead<T> {
  if (query.data !== undefined) return { kind: "loaded", value: query.data };
  if (query.error) return { kind: "failed", error: query.error };
  return { kind: "loading" };
}
