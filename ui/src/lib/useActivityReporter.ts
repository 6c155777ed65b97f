import { useEffect } from "react";
import { noteActivity } from "./ipc";

/** The inputs that count as the clinician being there (polling and timers never do). */
export const ACTIVITY_EVENTS = ["keydown", "pointerdown", "wheel", "touchstart"] as const;

/** How often, at most, the core hears that the clinician is active. */
export const ACTIVITY_INTERVAL_MS = 15_000;

/**
 * A throttle for activity reports: the first input after a quiet spell is reported at once, then
 * at most one report per `intervalMs`. Inputs inside the interval are not reported later, so the
 * core may count the clinician idle up to `intervalMs` early: the lock errs towards locking.
 */
export function activityThrottle(report: () => void, intervalMs = ACTIVITY_INTERVAL_MS): () => void {
  let lastSent: number | null = null;
  return () => {
    const now = Date.now();
    // A clock set back counts as a quiet spell rather than silencing reports until it catches up.
    if (lastSent !== null && now >= lastSent && now - lastSent < intervalMs) return;
    lastSent = now;
    report();
  };
}

function reportActivity() {
  noteActivity().catch(() => {
    // Only a hint to the core: a lock it answers with shows through onLocked; the rest is ignored.
  });
}

/**
 * While `enabled` (signed in and unlocked), tells the core the clinician is using the app:
 * keys, pointer presses, wheel and touch anywhere in the window, at most once every 15 seconds.
 */
export function useActivityReporter(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const onInput = activityThrottle(reportActivity);
    const options: AddEventListenerOptions = { capture: true, passive: true };
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, onInput, options);
    return () => {
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, onInput, options);
    };
  }, [enabled]);
}
