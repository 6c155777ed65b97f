import { useEffect } from "react";
import type { Page } from "../../bindings/Page";
import type { Role } from "../../bindings/Role";
import { isPlainShortcut } from "../../lib/keyboard";
import { CHART_PAGE_SCOPES, sequenceKey, type Scope } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";

/**
 * The main area's screens. Patients is the default; then the message inbox, the operations
 * screens, and the audit trail (administrators).
 */
export type View = "patients" | "inbox" | "queues" | "directory" | "coverage" | "audit";

export interface ViewEntry {
  view: View;
  label: string;
  /** The second key after "g". */
  key: string;
  /** Shown (and reached with g) only by someone holding this role. */
  role?: Role;
}

export const VIEWS: readonly ViewEntry[] = [
  { view: "patients", label: "Patients", key: sequenceKey("anywhere", "patients") },
  { view: "inbox", label: "Inbox", key: sequenceKey("anywhere", "inbox") },
  { view: "queues", label: "Queues", key: sequenceKey("anywhere", "queues") },
  { view: "directory", label: "Directory", key: sequenceKey("anywhere", "directory") },
  { view: "coverage", label: "Coverage", key: sequenceKey("anywhere", "coverage") },
  { view: "audit", label: "Audit", key: sequenceKey("anywhere", "audit"), role: "admin" },
];

/** The keys the `?` overlay lists first: the chart and its page, the open thread, or the screen. */
export function helpScopes(chartPage: Page | null, threadOpen: boolean, view: View): Scope[] {
  if (chartPage !== null) {
    const page = CHART_PAGE_SCOPES[chartPage];
    return page ? ["chart", page, "anywhere"] : ["chart", "anywhere"];
  }
  if (view === "inbox" && threadOpen) return ["thread", "anywhere"];
  return [view, "anywhere"];
}

/** The screens someone with these roles may open. */
export function viewsFor(roles: readonly Role[]): readonly ViewEntry[] {
  return VIEWS.filter((v) => v.role === undefined || roles.includes(v.role));
}

/** How long "g" waits for its second key. */
export const CHORD_MS = 1500;

/**
 * "g" then a letter goes to one of `views` (g p, g i, g q, g d, g c; g a for administrators).
 * Listens in the capture phase so the second key never reaches a screen's own single-key shortcut
 * (g d is not "done").
 */
export function useGoKeys(views: readonly ViewEntry[], onGo: (view: View) => void, enabled: boolean) {
  const go = useLatest(onGo);
  const shown = useLatest(views);
  useEffect(() => {
    if (!enabled) return;
    let armed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    function disarm() {
      armed = false;
      clearTimeout(timer);
    }
    function onKeyDown(event: KeyboardEvent) {
      if (armed) {
        if (event.key === "Shift") return;
        disarm();
        const target = shown.current.find((v) => v.key === event.key);
        if (target && isPlainShortcut(event)) {
          event.preventDefault();
          event.stopPropagation();
          go.current(target.view);
        }
        return;
      }
      if (event.key === "g" && !event.shiftKey && isPlainShortcut(event)) {
        event.preventDefault();
        armed = true;
        timer = setTimeout(disarm, CHORD_MS);
      }
    }
    document.addEventListener("keydown", onKeyDown, true);
    return () => {
      disarm();
      document.removeEventListener("keydown", onKeyDown, true);
    };
  }, [enabled, go, shown]);
}
