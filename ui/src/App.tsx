import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { SessionInfo } from "./bindings/SessionInfo";
import { LockScreen, type LockReason } from "./features/auth/LockScreen";
import { SIGNED_OUT_NOTICE } from "./features/auth/messages";
import { SignInScreen } from "./features/auth/SignInScreen";
import { MainScreen } from "./features/shell/MainScreen";
import type { Place } from "./features/shell/place";
import { DatabaseErrorScreen, OpeningScreen, StartupErrorScreen } from "./features/shell/StartupScreens";
import { createQueryClient } from "./lib/data/query";
import { isDatabaseErrorCode } from "./lib/errors";
import { clearHeldWork } from "./lib/heldWork";
import {
  commandsSettled,
  lockNow,
  lockStatus,
  onLocked,
  session as loadSession,
  signOut,
  toIpcError,
  type IpcError,
} from "./lib/ipc";
import { useActivityReporter } from "./lib/useActivityReporter";
import { useLatest } from "./lib/useLatest";
import { useLockKey } from "./lib/useLockKey";

type AppState =
  | { kind: "opening" }
  | { kind: "database-error"; error: IpcError }
  | { kind: "startup-error"; error: IpcError }
  | { kind: "signed-out"; notice?: string }
  | {
      kind: "signed-in";
      session: SessionInfo;
      secondFactorNeeded?: boolean;
      /** Unlocked: where the clinician was when Rounds locked. */
      restore?: Place | null;
    }
  // The main screen is unmounted: nothing about any patient stays on screen.
  | {
      kind: "locked";
      displayName: string | null;
      idleMinutes: number | null;
      reason: LockReason;
      /** Locked from here: settles once the core has been told (unlocking waits for it). */
      locking?: Promise<void>;
    };

const SESSION_ENDED = "Your session has ended. Sign in again to continue.";

interface AppProps {
  /** The query cache (a test's, to look into); otherwise the app makes its own. */
  queryClient?: QueryClient | undefined;
}

export function App({ queryClient }: AppProps = {}) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  const [state, setState] = useState<AppState>({ kind: "opening" });
  const [attempt, setAttempt] = useState(0);
  // Where the clinician is (or was, when Rounds locked) on the main screen. Memory only.
  const place = useRef<Place | null>(null);

  useEffect(() => {
    let current = true;
    setState({ kind: "opening" });
    loadSession().then(
      (info) => {
        if (current) setState(info ? { kind: "signed-in", session: info } : { kind: "signed-out" });
      },
      (caught: unknown) => {
        if (!current) return;
        const error = toIpcError(caught);
        if (error.code === "locked") {
          // A session is kept on this device: its password opens it.
          setState({ kind: "locked", displayName: null, idleMinutes: null, reason: "startup" });
          return;
        }
        setState(isDatabaseErrorCode(error.code) ? { kind: "database-error", error } : { kind: "startup-error", error });
      },
    );
    return () => {
      current = false;
    };
  }, [attempt]);

  /** Signed in and unlocked → locked, once however many commands are refused. */
  const lock = useCallback((reason: LockReason, locking?: Promise<void>) => {
    setState((s) =>
      s.kind === "signed-in"
        ? { kind: "locked", displayName: s.session.practitioner.display_name, idleMinutes: null, reason, locking }
        : s,
    );
  }, []);

  // The core locked (the idle limit passed): every command is refused with "locked" until unlocked.
  useEffect(() => onLocked(() => lock("idle")), [lock]);

  // The lock screen names the clinician and the idle limit in force, from the core.
  const locked = state.kind === "locked";
  useEffect(() => {
    if (!locked) return;
    let current = true;
    lockStatus().then(
      (status) => {
        if (!current) return;
        setState((s) =>
          s.kind === "locked"
            ? { ...s, displayName: status.display_name ?? s.displayName, idleMinutes: status.idle_lock_minutes }
            : s,
        );
      },
      () => {
        // The screen works without them: the password still unlocks.
      },
    );
    return () => {
      current = false;
    };
  }, [locked]);

  const signedIn = state.kind === "signed-in";
  useActivityReporter(signedIn);

  // Locked or signed out, the main screen is gone, and with it every answer it read: the cache
  // (patients' details, messages) is dropped too. It is never written to storage.
  useEffect(() => {
    if (!signedIn) client.clear();
  }, [signedIn, client]);

  const toSignedOut = useCallback((notice?: string) => {
    // Nothing of this session (where the clinician was, what they typed) reaches the next one.
    place.current = null;
    clearHeldWork();
    setState(notice === undefined ? { kind: "signed-out" } : { kind: "signed-out", notice });
  }, []);

  const handleSessionEnded = useCallback(() => toSignedOut(SESSION_ENDED), [toSignedOut]);

  // Ctrl+L: the screen locks at once; the core once what was just typed has reached it (a save
  // sent behind lock_now would be refused).
  const handleLock = useCallback(() => {
    const locking = commandsSettled()
      .then(() => lockNow())
      .catch((caught: unknown) => {
        // The screen is locked either way; a session that ended goes to the sign-in screen.
        if (toIpcError(caught).code === "not_signed_in") handleSessionEnded();
      });
    lock("manual", locking);
  }, [lock, handleSessionEnded]);
  useLockKey(signedIn, handleLock);

  const handleSignOut = useCallback(async () => {
    try {
      await signOut();
    } catch (caught) {
      // Already signed out in the core: the goal is reached.
      if (toIpcError(caught).code !== "not_signed_in") throw caught;
    }
    toSignedOut();
  }, [toSignedOut]);

  const handleSessionChanged = useCallback((info: SessionInfo) => {
    setState({ kind: "signed-in", session: info });
  }, []);

  // The inbox reports its highlight as it goes away, also as the app signs out: kept only for a lock.
  const kind = useLatest(state.kind);
  const handlePlace = useCallback(
    (where: Place) => {
      if (kind.current === "signed-in" || kind.current === "locked") place.current = where;
    },
    [kind],
  );

  return <QueryClientProvider client={client}>{screenFor()}</QueryClientProvider>;

  function screenFor() {
    switch (state.kind) {
      case "opening":
        return <OpeningScreen />;
      case "database-error":
        return <DatabaseErrorScreen error={state.error} />;
      case "startup-error":
        return <StartupErrorScreen error={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
      case "signed-out":
        return (
          <SignInScreen
            notice={state.notice}
            onSignedIn={(info, secondFactorNeeded) => {
              // Also anything a save refused after the sign-out put there.
              clearHeldWork();
              setState({ kind: "signed-in", session: info, secondFactorNeeded });
            }}
            onDatabaseError={(error) => setState({ kind: "database-error", error })}
          />
        );
      case "locked":
        return (
          <LockScreen
            displayName={state.displayName}
            idleMinutes={state.idleMinutes}
            reason={state.reason}
            locking={state.locking}
            onUnlocked={(info) => setState({ kind: "signed-in", session: info, restore: place.current })}
            onSessionEnded={(message) => toSignedOut(message || SESSION_ENDED)}
            onSignedOut={() => toSignedOut(SIGNED_OUT_NOTICE)}
          />
        );
      case "signed-in":
        return (
          <MainScreen
            session={state.session}
            onSignOut={handleSignOut}
            onSessionChanged={handleSessionChanged}
            onSessionEnded={handleSessionEnded}
            secondFactorNeeded={state.secondFactorNeeded}
            onLock={handleLock}
            initialPlace={state.restore}
            onPlace={handlePlace}
          />
        );
    }
  }
}
