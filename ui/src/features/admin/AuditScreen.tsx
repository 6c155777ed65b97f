import { useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type RefObject } from "react";
import type { AuditEntry } from "../../bindings/AuditEntry";
import type { AuditVerification } from "../../bindings/AuditVerification";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { PatientListItem } from "../../bindings/PatientListItem";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { formatTimestamp, plural, rolesLabel } from "../../lib/format";
import {
  auditTrail,
  directory,
  exportAudit,
  searchPatients,
  toIpcError,
  verifyAudit,
  type IpcError,
} from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { useShortcutKeys } from "../../lib/useShortcutKeys";
import { actionOf, KEYMAP } from "../../lib/keymap";
import { KeyHints } from "../help/KeyHints";
import { ChoiceList, pickKey } from "../common/ChoiceList";
import { OfflineNotice, ReadFailed } from "../common/Notices";
import { offlineReason } from "../common/serverRead";
import { PatientOption } from "../patients/PatientOption";
import { useOnline } from "../sync/useOnline";
import {
  auditActionLabel,
  isHighSeverity,
  optionKey,
  shortId,
  subjectIds,
  subjectOf,
  subjectOptions,
  type AuditSubject,
  type SubjectOption,
} from "./audit";
import "./audit.css";

/** Patients from this device's search offered in the picker. */
const PATIENT_RESULTS = 20;
const NOBODY: readonly DirectoryEntry[] = [];

interface Props {
  session: SessionInfo;
  /** "/" puts the cursor here: the subject picker. */
  subjectRef: RefObject<HTMLInputElement | null>;
  onError?: ((error: IpcError) => void) | undefined;
}

const NO_PATIENTS: PatientListItem[] = [];

type People = { kind: "loading" } | { kind: "failed"; error: IpcError } | { kind: "loaded"; entries: DirectoryEntry[] };

type Trail =
  | { kind: "none" }
  | { kind: "loading" }
  | { kind: "offline"; message: string | null }
  | { kind: "failed"; error: IpcError }
  | { kind: "loaded"; entries: AuditEntry[] };

type Check =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "failed"; error: IpcError }
  | { kind: "verified"; result: AuditVerification };

type Export =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "failed"; error: IpcError }
  | { kind: "saved"; path: string };

/** Administrators read a user's or a patient's audit trail, verify the chain and export it. */
export function AuditScreen({ session, subjectRef, onError }: Props) {
  const online = useOnline(session);
  const onErrorRef = useLatest(onError);
  const me = session.practitioner;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const pickerRef = useRef<HTMLDivElement>(null);

  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [picking, setPicking] = useState(true);

  const [subject, setSubject] = useState<AuditSubject | null>(null);
  const [highOnly, setHighOnly] = useState(false);
  const [check, setCheck] = useState<Check>({ kind: "idle" });
  const [exported, setExported] = useState<Export>({ kind: "idle" });

  useEffect(() => {
    // The heading, not the picker: single keys (g p, v) keep working; "/" goes to the picker.
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  // The directory: the users to pick from, and the names in the "Who" column.
  const directoryQuery = useRead(queryKeys.directory(), directory, { onError });
  const people: People = directoryQuery.error
    ? { kind: "failed", error: directoryQuery.error }
    : directoryQuery.data
      ? { kind: "loaded", entries: directoryQuery.data }
      : { kind: "loading" };

  // Patients on this device, as typed (administrators usually have none: they paste an id). A
  // failed search is not worth a banner: the directory and a pasted id still work.
  const trimmed = query.trim();
  const search = useRead(
    queryKeys.patientSearch(trimmed, PATIENT_RESULTS),
    () => searchPatients(trimmed, PATIENT_RESULTS),
    { keepPrevious: true },
  );
  const patients = search.error ? NO_PATIENTS : (search.data ?? NO_PATIENTS);

  const entries = people.kind === "loaded" ? people.entries : NOBODY;
  const options = useMemo(() => subjectOptions(trimmed, entries, patients), [trimmed, entries, patients]);
  const names = useMemo(() => {
    const known = new Map(entries.map((e) => [e.practitioner.id, e.practitioner.display_name] as const));
    known.set(me.id, me.display_name);
    return known;
  }, [entries, me.id, me.display_name]);

  useEffect(() => setActive(0), [trimmed]);

  // The chosen subject's trail, from the server (online only).
  const ids: [string | null, string | null] = subject ? subjectIds(subject) : [null, null];
  const trailQuery = useRead(queryKeys.auditTrail(...ids), () => auditTrail(...ids), {
    enabled: subject !== null && online,
    onError,
  });
  const trail: Trail = !subject
    ? { kind: "none" }
    : !online
      ? { kind: "offline", message: null }
      : trailQuery.error?.code === "server_unreachable"
        ? { kind: "offline", message: trailQuery.error.message }
        : trailQuery.error
          ? { kind: "failed", error: trailQuery.error }
          : trailQuery.data
            ? { kind: "loaded", entries: trailQuery.data }
            : { kind: "loading" };

  function choose(index: number) {
    const option = options[index];
    if (!option) return;
    setSubject(subjectOf(option));
    setExported({ kind: "idle" });
    setQuery("");
    setPicking(false);
    headingRef.current?.focus({ preventScroll: true });
  }

  function closePicker() {
    if (subject) setPicking(false);
    headingRef.current?.focus({ preventScroll: true });
  }

  // The picker's box keeps the keyboard: arrows move in the list, Enter chooses, Esc clears then leaves.
  function handlePickerKey(event: ReactKeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      if (query !== "") setQuery("");
      else closePicker();
      return;
    }
    const next = pickKey(event.key, active, options.length, false);
    if (next === null) return;
    event.preventDefault();
    setPicking(true);
    if (next === "choose") choose(active);
    else setActive(next);
  }

  async function verify() {
    if (check.kind === "busy") return;
    setCheck({ kind: "busy" });
    try {
      setCheck({ kind: "verified", result: await verifyAudit() });
    } catch (caught) {
      const failure = toIpcError(caught);
      setCheck({ kind: "failed", error: failure });
      if (failure.code !== "server_unreachable") onErrorRef.current?.(failure);
    }
  }

  async function exportCsv() {
    if (!subject || exported.kind === "busy") return;
    setExported({ kind: "busy" });
    try {
      setExported({ kind: "saved", path: await exportAudit(...subjectIds(subject)) });
    } catch (caught) {
      const failure = toIpcError(caught);
      setExported({ kind: "failed", error: failure });
      if (failure.code !== "server_unreachable") onErrorRef.current?.(failure);
    }
  }

  useShortcutKeys((event) => {
    switch (actionOf("audit", event)) {
      case "verify":
        void verify();
        return true;
      case "export":
        if (!subject) return false;
        void exportCsv();
        return true;
      case "high":
        setHighOnly((on) => !on);
        return true;
    }
    return false;
  });

  const rows = trail.kind === "loaded" ? trail.entries : [];
  const high = rows.filter(isHighSeverity);
  const shown = highOnly ? high : rows;
  const broken = check.kind === "verified" ? check.result.first_broken : null;
  const listOpen = picking || subject === null;
  // How the messages name the subject: "Lee Park, NP", or "the patient 0190f5c2…" for a pasted id.
  const subjectName = subject ? (subject.name ?? `the ${subject.kind} ${shortId(subject.id)}`) : "";

  return (
    <div className="ops-screen audit" data-testid="audit-screen">
      <header className="ops-header">
        <h1 className="ops-title" ref={headingRef} tabIndex={-1}>
          Audit trail
        </h1>
        <label htmlFor="audit-subject" className="visually-hidden">
          Whose trail: a user or a patient
        </label>
        <input
          id="audit-subject"
          ref={subjectRef}
          className="search-input ops-filter"
          type="search"
          role="combobox"
          aria-expanded={listOpen}
          aria-controls="audit-subject-list"
          aria-activedescendant={listOpen && options.length > 0 ? `audit-subject-${active}` : undefined}
          placeholder="User name or email, patient name or MRN, or a pasted id"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPicking(true);
          }}
          onFocus={() => setPicking(true)}
          onBlur={(e) => {
            if (subject && !pickerRef.current?.contains(e.relatedTarget)) setPicking(false);
          }}
          onKeyDown={handlePickerKey}
        />
        <label className="checkbox">
          <input type="checkbox" checked={highOnly} onChange={(e) => setHighOnly(e.target.checked)} />
          High severity only{trail.kind === "loaded" ? ` (${high.length})` : ""}
        </label>
        <span className="topbar-spacer" />
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={!online || check.kind === "busy"}
          title="Checks that no row of the organisation's whole trail was changed or removed"
          onClick={() => void verify()}
        >
          {check.kind === "busy" ? "Verifying…" : "Verify chain"} <kbd>v</kbd>
        </button>
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={!online || !subject || exported.kind === "busy"}
          onClick={() => void exportCsv()}
        >
          {exported.kind === "busy" ? "Exporting…" : "Export CSV"} <kbd>x</kbd>
        </button>
      </header>

      {check.kind === "verified" && <VerifyResult result={check.result} />}
      {check.kind === "failed" && (
        <p className="form-error audit-verify" role="alert" data-testid="audit-verify">
          The chain could not be verified: {check.error.message}
        </p>
      )}
      {exported.kind === "saved" && (
        <p className="audit-export" role="status" data-testid="audit-export">
          Saved to <code>{exported.path}</code>
        </p>
      )}
      {exported.kind === "failed" && (
        <p className="form-error" role="alert" data-testid="audit-export">
          Not exported: {exported.error.message}
        </p>
      )}

      {subject && (
        <p className="audit-subject" data-testid="audit-subject">
          {subject.kind === "user" ? "User" : "Patient"}{" "}
          {subject.name ? <strong title={subject.id}>{subject.name}</strong> : <code>{subject.id}</code>}
          {trail.kind === "loaded" && (
            <span className="muted">
              {" "}
              · {plural(rows.length, "row", "rows")}
              {high.length > 0 && `, ${high.length} high severity`}
            </span>
          )}
        </p>
      )}

      {listOpen && (
        <div
          className="audit-picker"
          ref={pickerRef}
          onKeyDown={(e) => {
            if (e.key !== "Escape") return;
            e.preventDefault();
            closePicker();
          }}
        >
          <p id="audit-subject-label" className="muted">
            {subject
              ? "Choose another user or patient."
              : "Whose trail? Choose a user or a patient, or paste a patient's id."}
          </p>
          {people.kind === "failed" && (
            <p className="muted">The directory could not be read ({people.error.message}): paste an id instead.</p>
          )}
          {options.length > 0 ? (
            <ChoiceList
              items={options}
              active={active}
              onActive={setActive}
              onChoose={choose}
              itemKey={optionKey}
              labelledBy="audit-subject-label"
              idPrefix="audit-subject"
              digits={false}
              chooseOnClick
              testId="audit-subject-list"
              renderItem={(option) => <SubjectChoice option={option} />}
            />
          ) : (
            people.kind !== "loading" && (
              <p className="muted">
                {trimmed
                  ? "Nobody on this device matches. A patient's id can be pasted here."
                  : "Nobody to choose yet."}
              </p>
            )
          )}
        </div>
      )}

      {trail.kind === "loading" && <p className="muted">Asking the server…</p>}
      {trail.kind === "offline" && (
        <OfflineNotice title="The audit trail needs the server" testId="audit-offline">
          {offlineReason(trail.message)}The trail shows as soon as Rounds is back online.
        </OfflineNotice>
      )}
      {trail.kind === "failed" && (
        <ReadFailed what="The trail" message={trail.error.message} onRetry={() => void trailQuery.refetch()} />
      )}
      {trail.kind === "loaded" && shown.length === 0 && (
        <p className="muted" data-testid="audit-empty">
          {rows.length === 0
            ? `Nothing has been recorded for ${subjectName} yet.`
            : `No high-severity rows for ${subjectName}. Press h to show every row.`}
        </p>
      )}

      {shown.length > 0 && (
        <div className="ops-table-wrap">
          <table className="ops-table audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Row
                </th>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Patient</th>
                <th scope="col">Device</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((entry) => {
                const isHigh = isHighSeverity(entry);
                const seq = Number(entry.seq);
                const doubtful = broken !== null && seq === Number(broken);
                return (
                  <tr
                    key={seq}
                    data-testid="audit-row"
                    data-seq={seq}
                    data-severity={entry.severity}
                    className={
                      [isHigh && "audit-high", doubtful && "audit-broken"].filter(Boolean).join(" ") || undefined
                    }
                  >
                    <td className="num">{seq}</td>
                    <td className="audit-time" title={entry.at}>
                      {formatTimestamp(entry.at) ?? entry.at}
                    </td>
                    <td>{names.get(entry.practitioner_id) ?? <Id id={entry.practitioner_id} />}</td>
                    <td title={entry.action}>
                      {isHigh && <span className="new-badge severity-badge">High</span>}
                      <span className="audit-action">{auditActionLabel(entry.action)}</span>
                      {doubtful && <span className="audit-broken-note">Does not verify</span>}
                    </td>
                    <td>{entry.patient_id ? <Id id={entry.patient_id} /> : <span className="muted">—</span>}</td>
                    <td>{entry.device_id ? <Id id={entry.device_id} /> : <span className="muted">—</span>}</td>
                    <td className="audit-detail">{entry.detail}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <KeyHints
        shortcuts={[
          KEYMAP.audit.shortcuts.subject,
          KEYMAP.audit.shortcuts.high,
          KEYMAP.audit.shortcuts.verify,
          KEYMAP.audit.shortcuts.export,
          KEYMAP.anywhere.shortcuts.patients,
          KEYMAP.anywhere.shortcuts.help,
        ]}
      />
    </div>
  );
}

function VerifyResult({ result }: { result: AuditVerification }) {
  const rows = Number(result.rows);
  if (result.first_broken !== null) {
    return (
      <p className="audit-verify is-broken" role="alert" data-testid="audit-verify">
        Row {Number(result.first_broken)} does not verify — the trail was altered.
        <span className="audit-verify-more"> {plural(rows, "row", "rows")} checked.</span>
      </p>
    );
  }
  return (
    <p className="audit-verify is-ok" role="status" data-testid="audit-verify">
      {rows === 0
        ? "The trail is empty: nothing to verify yet."
        : rows === 1
          ? "The 1 row verifies."
          : `All ${rows.toLocaleString("en-US")} rows verify.`}
    </p>
  );
}

/** A long id, shortened; the whole of it on hover. */
function Id({ id }: { id: string }) {
  return (
    <code className="audit-id" title={id}>
      {shortId(id)}
    </code>
  );
}

function SubjectChoice({ option }: { option: SubjectOption }) {
  switch (option.kind) {
    case "user": {
      const p = option.entry.practitioner;
      return (
        <>
          <span className="hand-off-name">{p.display_name}</span>
          <span className="hand-off-meta">
            User · {p.roles.length > 0 ? `${rolesLabel(p.roles)} · ` : ""}
            {p.email}
          </span>
        </>
      );
    }
    case "patient":
      return <PatientOption patient={option.patient} />;
    case "id":
      return (
        <>
          <span className="hand-off-name">
            {option.as === "patient" ? "The patient with id" : "The user with id"} <code>{option.id}</code>
          </span>
          <span className="hand-off-meta">Not on this device: the server knows whose it is.</span>
        </>
      );
  }
}
