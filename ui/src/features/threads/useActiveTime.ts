import { useEffect } from "react";
import { logThreadTime, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";

/** Time counts in whole seconds, checked this often. */
export const ACTIVE_TICK_MS = 1000;
/** Without a key press or the mouse for this long, the clinician is not counted as working. */
export const IDLE_AFTER_MS = 60_000;
/** Time is recorded each time this much has gathered, and on leaving. */
export const FLUSH_SECONDS = 60;
/** The core takes at most this much in one report. */
const MAX_SLICE_SECONDS = 900;

const ACTIVITY = ["keydown", "pointerdown", "mousedown", "mousemove", "wheel", "touchstart"] as const;

/**
 * Counts the seconds a clinician works on a thread (the window focused, a key or the mouse used
 * within the last minute) and records them with log_thread_time every minute gathered and when
 * the screen closes. `onLogged` hears the e-visit minutes the core now counts.
 */
export function useActiveTime(
  threadId: string,
  onLogged: (minutes: number) => void,
  onError?: ((error: IpcError) => void) | undefined,
) {
  const callbacks = useLatest({ onLogged, onError });

  useEffect(() => {
    let alive = true;
    let seconds = 0;
    // Opening the thread is activity.
    let lastActivity = Date.now();
    const mark = () => {
      lastActivity = Date.now();
    };

    function flush() {
      if (seconds < 1) return;
      const slice = Math.min(seconds, MAX_SLICE_SECONDS);
      seconds -= slice;
      logThreadTime(threadId, slice).then(
        (minutes) => {
          if (alive) callbacks.current.onLogged(minutes);
        },
        (caught: unknown) => {
          // Kept for the next report while the screen is open.
          if (alive) seconds = Math.min(seconds + slice, MAX_SLICE_SECONDS);
          callbacks.current.onError?.(toIpcError(caught));
        },
      );
    }

    const timer = setInterval(() => {
      const working =
        document.hasFocus() && document.visibilityState !== "hidden" && Date.now() - lastActivity <= IDLE_AFTER_MS;
      if (!working) return;
      seconds += 1;
      if (seconds >= FLUSH_SECONDS) flush();
    }, ACTIVE_TICK_MS);

    for (const type of ACTIVITY) document.addEventListener(type, mark, { capture: true, passive: true });
    return () => {
      clearInterval(timer);
      for (const type of ACTIVITY) document.removeEventListener(type, mark, { capture: true });
      alive = false;
      flush();
    };
  }, [threadId, callbacks]);
}
