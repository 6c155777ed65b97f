import { useEffect } from "react";
import { useLatest } from "./useLatest";

/**
 * Ctrl+L (Cmd+L on a Mac): lock Rounds. On layouts without Latin letters the key in the L
 * position counts.
 */
export function isLockKey(event: KeyboardEvent): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false;
  const key = event.key ?? "";
  return /^[a-z]$/i.test(key) ? key.toLowerCase() === "l" : event.code === "KeyL";
}

/**
 * While `enabled`, Ctrl+L anywhere calls `onLock`: in a field, behind a dialog, while charting.
 * Listens in the capture phase so no screen's own keys see it first.
 */
export function useLockKey(enabled: boolean, onLock: () => void): void {
  const lock = useLatest(onLock);
  useEffect(() => {
    if (!enabled) return;
    function onKeyDown(event: KeyboardEvent) {
      if (!isLockKey(event)) return;
      event.preventDefault();
      event.stopPropagation();
      if (!event.repeat) lock.current();
    }
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, [enabled, lock]);
}
