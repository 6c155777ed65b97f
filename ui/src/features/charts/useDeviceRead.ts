import { useEffect, useState } from "react";
import { toIpcError, type IpcError } from "../../lib/ipc";

export type DeviceRead<T> = { kind: "loading" } | { kind: "failed"; error: IpcError } | { kind: "loaded"; value: T };

/**
 * One read from the device core for a picture. `subject` is what is read (a patient): a new
 * subject starts from "loading". `version` asks again about the same subject (a sync round):
 * the last answer stays on screen until the new one arrives, so a picture never flickers. An
 * answer that arrives after either moved on is dropped. (The data layer's queries replace this.)
 */
export function useDeviceRead<T>(subject: string, version: number | string, read: () => Promise<T>): DeviceRead<T> {
  const [state, setState] = useState<{ subject: string; read: DeviceRead<T> }>({
    subject,
    read: { kind: "loading" },
  });
  useEffect(() => {
    let current = true;
    read().then(
      (value) => current && setState({ subject, read: { kind: "loaded", value } }),
      (caught: unknown) => current && setState({ subject, read: { kind: "failed", error: toIpcError(caught) } }),
    );
    return () => {
      current = false;
    };
    // `read` is a new closure each render; subject and version say when the question changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [subject, version]);
  return state.subject === subject ? state.read : { kind: "loading" };
}
