import { useEffect } from "react";
import { isPlainShortcut } from "../../lib/keyboard";
import { useLatest } from "../../lib/useLatest";

/**
 * Single-key shortcuts of one page: the handler sees only plain key presses made outside text
 * fields (and outside dialogs), and returns true when it used the key.
 */
export function usePageKeys(handler: (event: KeyboardEvent) => boolean, enabled = true) {
  const latest = useLatest(handler);
  useEffect(() => {
    if (!enabled) return;
    function onKeyDown(event: KeyboardEvent) {
      if (event.shiftKey && event.key.length === 1 && /[a-z]/i.test(event.key)) return;
      if (!isPlainShortcut(event)) return;
      if (latest.current(event)) event.preventDefault();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [enabled, latest]);
}

/** "1".."9" -> 0..8, anything else null. */
export function digitIndex(event: KeyboardEvent): number | null {
  return /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : null;
}
