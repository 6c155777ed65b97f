import { useEffect } from "react";
import { isPlainShortcut } from "./keyboard";
import { useLatest } from "./useLatest";

/**
 * A screen's single-key shortcuts, listened for on the document while it is mounted. `handle`
 * (always the latest render's) answers whether it used the key; its default is then prevented.
 * It never sees keys typed into a field, with Ctrl, Alt or Meta, behind a dialog, or shifted
 * letters (Shift with the arrow and Page keys does reach it).
 */
export function useShortcutKeys(handle: (event: KeyboardEvent) => boolean): void {
  const latest = useLatest(handle);
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (!isPlainShortcut(event)) return;
      if (event.shiftKey && event.key.length === 1 && /[a-z]/i.test(event.key)) return;
      if (latest.current(event)) event.preventDefault();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [latest]);
}
