import type { IpcError } from "../../lib/ipc";

export function OpeningScreen() {
  return (
    <div className="screen-center" aria-busy="true">
      <p className="opening" role="status">
        Opening…
      </p>
    </div>
  );
}

/** The local database exists but cannot be used. Nothing has been changed on disk. */
export function DatabaseErrorScreen({ error }: { error: IpcError }) {
  const reason =
    error.code === "database_too_new"
      ? "It was last used by a newer version of Rounds. Install the latest version of Rounds on this device to open it."
      : "The database file appears to be damaged, so Rounds stopped before reading it.";
  return (
    <div className="screen-center">
      <main className="notice-card" role="alert" aria-labelledby="database-error-title">
        <h1 id="database-error-title">The patient database on this device cannot be opened</h1>
        <p>{reason}</p>
        <p>
          <strong>Nothing was overwritten.</strong> The data on this device has been left exactly as it was.
        </p>
        <p className="notice-detail">{error.message}</p>
        <p className="muted">If this keeps happening, contact your IT support and mention the message above.</p>
      </main>
    </div>
  );
}

export function StartupErrorScreen({ error, onRetry }: { error: IpcError; onRetry: () => void }) {
  return (
    <div className="screen-center">
      <main className="notice-card" aria-labelledby="startup-error-title">
        <h1 id="startup-error-title">Rounds could not start</h1>
        <p role="alert" className="notice-detail">
          {error.message}
        </p>
        <button type="button" className="button button-primary" onClick={onRetry} autoFocus>
          Try again
        </button>
      </main>
    </div>
  );
}
