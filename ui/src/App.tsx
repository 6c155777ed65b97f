import { useCallback, useEffect, useState } from "react";
import type { SessionInfo } from "./bindings/SessionInfo";
import { SignInScreen } from "./features/auth/SignInScreen";
import { MainScreen } from "./features/shell/MainScreen";
import { DatabaseErrorScreen, OpeningScreen, StartupErrorScreen } from "./features/shell/StartupScreens";
import { isDatabaseErrorCode } from "./lib/errors";
import { session as loadSession, signOut, toIpcError, type IpcError } from "./lib/ipc";

type AppState =
  | { kind: "opening" }
  | { kind: "database-error"; error: IpcError }
  | { kind: "startup-error"; error: IpcError }
  | { kind: "signed-out"; notice?: string }
  | { kind: "signed-in"; session: SessionInfo; secondFactorNeeded?: boolean };

export function App() {
  const [state, setState] = useState<AppState>({ kind: "opening" });
  const [attempt, setAttempt] = useState(0);

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
        setState(isDatabaseErrorCode(error.code) ? { kind: "database-error", error } : { kind: "startup-error", error });
      },
    );
    return () => {
      current = false;
    };
  }, [attempt]);

  const handleSignOut = useCallback(async () => {
    try {
      await signOut();
    } catch (caught) {
      // Already signed out in the core: the goal is reached.
      if (toIpcError(caught).code !== "not_signed_in") throw caught;
    }
    setState({ kind: "signed-out" });
  }, []);

  const handleSessionEnded = useCallback(() => {
    setState({ kind: "signed-out", notice: "Your session has ended. Sign in again to continue." });
  }, []);

  const handleSessionChanged = useCallback((info: SessionInfo) => {
    setState({ kind: "signed-in", session: info });
  }, []);

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
          onSignedIn={(info, secondFactorNeeded) => setState({ kind: "signed-in", session: info, secondFactorNeeded })}
          onDatabaseError={(error) => setState({ kind: "database-error", error })}
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
        />
      );
  }
}
