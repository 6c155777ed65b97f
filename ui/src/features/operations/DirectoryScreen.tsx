import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type RefObject } from "react";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { License } from "../../bindings/License";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { formatDate, plural, rolesLabel } from "../../lib/format";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { directory, type IpcError } from "../../lib/ipc";
import { AutoLockSetting } from "../admin/AutoLockSetting";
import { QueryStatus } from "../common/QueryStatus";
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

/** The organisation's practitioners and their licenses; administrators edit them here. */
export function DirectoryScreen({ session, filterRef, onError }: Props) {
  const query = useRead(queryKeys.directory(), directory, { onError });
  const client = useQueryClient();
  const [filter, setFilter] = useState("");
  const [attentionOnly, setAttentionOnly] = useState(false);
  const [editing, setEditing] = useState<DirectoryEntry | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const online = useOnline(session);
  const isAdmin = session.practitioner.roles.includes("admin");

  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // The heading, not the filter: single keys (g q, g c) keep working; "/" goes to the filter.
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  const loaded = query.data !== undefined;
  const entries = query.data ?? [];
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
          Only licenses needing attention{loaded ? ` (${attention})` : ""}
        </label>
      </header>

      <p className="queue-status" role="status">
        {announcement ||
          (loaded ? `${plural(shown.length, "practitioner", "practitioners")} shown` : "")}
      </p>

      <QueryStatus query={query} what="The directory" loading="Loading the directory…" />
      {loaded && shown.length === 0 && (
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
            client.setQueryData<DirectoryEntry[]>(queryKeys.directory(), (all) =>
              all?.map((e) => (e.practitioner.id === saved.id ? { ...e, practitioner: saved } : e)),
            );
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
