import { useEffect, useRef, useState, type RefObject } from "react";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { License } from "../../bindings/License";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { formatDate, plural, rolesLabel } from "../../lib/format";
import { directory, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { AutoLockSetting } from "../admin/AutoLockSetting";
import { ReadFailed } from "../common/Notices";
import { useSync } from "../sync/SyncContext";
import { useOnline } from "../sync/useOnline";
import { daysUntil, licenseFlag, matchesFilter, needsAttention } from "./directory";
import { PractitionerForm } from "./PractitionerForm";
import { RoutingEditor } from "./RoutingEditor";
import { KEYMAP } from "../../lib/keymap";
import { KeyHints } from "../help/KeyHints";
import "./directory.css";

interface Props {
  session: SessionInfo;
  /** "/" puts the cursor here. */
  filterRef: RefObject<HTMLInputElement | null>;
  onError?: ((error: IpcError) => void) | undefined;
}

type Load = { kind: "loading" } | { kind: "failed"; error: IpcError } | { kind: "loaded"; entries: DirectoryEntry[] };

/** The organisation's practitioners and their licenses; administrators edit them here. */
export function DirectoryScreen({ session, filterRef, onError }: Props) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [filter, setFilter] = useState("");
  const [attentionOnly, setAttentionOnly] = useState(false);
  const [editing, setEditing] = useState<DirectoryEntry | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [reload, setReload] = useState(0);
  const latest = useRef(0);
  const onErrorRef = useLatest(onError);
  const online = useOnline(session);
  const isAdmin = session.practitioner.roles.includes("admin");
  const syncedAt = useSync().status?.last_synced_at ?? null;

  useEffect(() => {
    const request = ++latest.current;
    directory().then(
      (entries) => {
        if (request === latest.current) setLoad({ kind: "loaded", entries });
      },
      (caught: unknown) => {
        if (request !== latest.current) return;
        const failure = toIpcError(caught);
        setLoad((l) => (l.kind === "loaded" ? l : { kind: "failed", error: failure }));
        onErrorRef.current?.(failure);
      },
    );
  }, [reload, syncedAt, onErrorRef]);

  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // The heading, not the filter: single keys (g q, g c) keep working; "/" goes to the filter.
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  const entries = load.kind === "loaded" ? load.entries : [];
  const shown = entries.filter((e) => (!attentionOnly || needsAttention(e)) && matchesFilter(e, filter));
  const attention = entries.filter(needsAttention).length;

  return (
    <div className="ops-screen directory" data-testid="directory-screen">
      <header className="ops-header">
        <h1 className="ops-title" ref={headingRef} tabIndex={-1}>
          Directory
        </h1>
        <label htmlFor="directory-filter" className="visually-hidden">
          Filter practitioners
        </label>
        <input
          id="directory-filter"
          ref={filterRef}
          className="search-input ops-filter"
          type="search"
          placeholder="Name, role, state or license number"
          autoComplete="off"
          spellCheck={false}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            e.preventDefault();
            if (filter !== "") setFilter("");
            else headingRef.current?.focus({ preventScroll: true });
          }}
        />
        <label className="checkbox">
          <input type="checkbox" checked={attentionOnly} onChange={(e) => setAttentionOnly(e.target.checked)} />
          Only licenses needing attention{load.kind === "loaded" ? ` (${attention})` : ""}
        </label>
      </header>

      <p className="queue-status" role="status">
        {announcement ||
          (load.kind === "loaded" ? `${plural(shown.length, "practitioner", "practitioners")} shown` : "")}
      </p>

      {load.kind === "loading" && <p className="muted">Loading the directory…</p>}
      {load.kind === "failed" && (
        <ReadFailed what="The directory" message={load.error.message} onRetry={() => setReload((n) => n + 1)} />
      )}
      {load.kind === "loaded" && shown.length === 0 && (
        <p className="muted">{entries.length === 0 ? "Nobody is in the directory yet." : "Nobody matches the filter."}</p>
      )}

      {shown.length > 0 && (
        <div className="ops-table-wrap">
          <table className="ops-table directory-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">Licenses</th>
                <th scope="col">Supervisor</th>
                <th scope="col">On duty</th>
                {isAdmin && (
                  <th scope="col">
                    <span className="visually-hidden">Edit</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {shown.map((entry) => {
                const p = entry.practitioner;
                return (
                  <tr key={p.id} data-testid="directory-row" data-practitioner={p.id}>
                    <th scope="row">
                      <span className="directory-name">{p.display_name}</span>
                      <span className="directory-email">{p.email}</span>
                    </th>
                    <td>{p.roles.length > 0 ? rolesLabel(p.roles) : <span className="muted">No role</span>}</td>
                    <td>
                      {p.licenses.length === 0 ? (
                        <span className="muted">None</span>
                      ) : (
                        <ul className="license-list">
                          {p.licenses.map((l) => (
                            <LicenseLine key={`${l.state}-${l.number}`} license={l} flag={licenseFlag(entry, l)} />
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>{entry.supervisor_name ?? <span className="muted">—</span>}</td>
                    <td>
                      <span className={p.on_duty ? "duty duty-on" : "duty duty-off"}>
                        {p.on_duty ? "On duty" : "Off duty"}
                      </span>
                    </td>
                    {isAdmin && (
                      <td>
                        <button
                          type="button"
                          className="button button-quiet button-small"
                          aria-label={`Edit ${p.display_name}`}
                          onClick={() => {
                            setAnnouncement("");
                            setEditing(entry);
                          }}
                        >
                          Edit
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {isAdmin && <RoutingEditor online={online} onError={onError} />}
      {isAdmin && <AutoLockSetting online={online} onError={onError} />}

      <KeyHints
        shortcuts={[
          KEYMAP.directory.shortcuts.filter,
          KEYMAP.directory.shortcuts.clear,
          KEYMAP.anywhere.shortcuts.patients,
          KEYMAP.anywhere.shortcuts.help,
        ]}
      >
        {isAdmin && " · Edit opens the practitioner's form"}
      </KeyHints>

      {editing && (
        <PractitionerForm
          entry={editing}
          everyone={entries}
          online={online}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setAnnouncement(`Saved ${saved.display_name}.`);
            setLoad((l) =>
              l.kind === "loaded"
                ? {
                    ...l,
                    entries: l.entries.map((e) => (e.practitioner.id === saved.id ? { ...e, practitioner: saved } : e)),
                  }
                : l,
            );
            // The flags and the supervisor's name come from the core.
            setReload((n) => n + 1);
          }}
          onError={onError}
        />
      )}
    </div>
  );
}

function LicenseLine({ license, flag }: { license: License; flag: ReturnType<typeof licenseFlag> }) {
  const days = daysUntil(license.expires_on);
  let note: string | null = null;
  if (flag === "expired") note = "Expired";
  else if (flag === "expiring")
    note =
      days === null || days < 0
        ? "Expiring soon"
        : days === 0
          ? "Expires today"
          : `Expires in ${plural(days, "day", "days")}`;
  return (
    <li className={flag ? `license-item is-${flag}` : "license-item"} data-flag={flag ?? undefined}>
      <span className="license-state">{license.state}</span> {license.license_type} · {license.number} · expires{" "}
      {formatDate(license.expires_on)}
      {note && <span className={`license-flag flag-${flag}`}>{note}</span>}
    </li>
  );
}
