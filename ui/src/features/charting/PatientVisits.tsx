import { useEffect, useRef, useState } from "react";
import type { EncounterSummary } from "../../bindings/EncounterSummary";
import type { Patient } from "../../bindings/Patient";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { formatMoment, formatMomentDate } from "../../lib/format";
import { patientChart, toIpcError, type IpcError } from "../../lib/ipc";
import { isPlainShortcut } from "../../lib/keyboard";
import { KEYMAP, matches } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";
import { STATUS_LABELS, defaultMode, defaultServiceLine, humanize, modeLabel } from "./model";
import { openEncounter, startVisit, type OpenedChart } from "./open";

interface Props {
  patient: Patient;
  /** False while the chart is covered (charting): no shortcuts, and a fresh read on return. */
  active: boolean;
  onOpenChart: (opened: OpenedChart) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** The patient's visits under the banner: history, latest vitals, New visit / Resume draft. */
export function PatientVisits({ patient, active, onOpenChart, onError }: Props) {
  // Not read while charting covers it; read again on return (the visit just charted shows).
  const query = useRead(queryKeys.patientChart(patient.id), () => patientChart(patient.id), {
    enabled: active,
    onError,
  });
  const [opening, setOpening] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const busy = useRef(false);
  async function open(what: string, load: () => Promise<OpenedChart>) {
    if (busy.current) return;
    busy.current = true;
    setOpening(what);
    setError(null);
    try {
      onOpenChart(await load());
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Could not open the visit: ${failure.message}`);
      onError?.(failure);
    } finally {
      busy.current = false;
      setOpening(null);
    }
  }

  function newVisit() {
    const line = defaultServiceLine(patient.birth_date);
    void open("new", () => startVisit(patient.id, line, defaultMode(line)));
  }
  const newVisitRef = useLatest(newVisit);

  // "n" starts a visit from anywhere but a text field.
  useEffect(() => {
    if (!active) return;
    function onKeyDown(event: KeyboardEvent) {
      if (!matches(KEYMAP.patients.shortcuts.newVisit, event) || !isPlainShortcut(event)) return;
      event.preventDefault();
      newVisitRef.current();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [active, newVisitRef]);

  const chart = query.error ? null : (query.data ?? null);
  const openDraft = chart?.open_draft ?? null;

  function openRow(e: EncounterSummary) {
    if (e.id === openDraft) void open(e.id, () => openEncounter(e.id, { readOnly: false }));
    else void open(e.id, () => openEncounter(e.id, { readOnly: true, authorName: e.author_name }));
  }

  return (
    <section className="visits" aria-labelledby="visits-heading" data-testid="patient-visits">
      <header className="visits-header">
        <h2 id="visits-heading">Visits</h2>
        <div className="form-actions">
          {openDraft && (
            <button
              type="button"
              className="button button-quiet"
              disabled={opening !== null}
              onClick={() => void open(openDraft, () => openEncounter(openDraft, { readOnly: false }))}
            >
              {opening === openDraft ? "Opening…" : "Resume draft"}
            </button>
          )}
          <button
            type="button"
            className="button button-primary"
            data-testid="new-visit"
            aria-keyshortcuts="n"
            title="Start charting a new visit (N)"
            disabled={opening !== null}
            onClick={newVisit}
          >
            {opening === "new" ? "Starting…" : "New visit"} <kbd className="button-kbd">N</kbd>
          </button>
        </div>
      </header>

      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}

      {query.isLoading && <p className="muted">Loading visits…</p>}
      {query.error && <p className="muted">Visits could not be read: {query.error.message}</p>}

      {chart && (
        <div className="visits-columns">
          <div className="clinical visits-history">
            <h3 className="section-label">Encounters</h3>
            {chart.encounters.length === 0 ? (
              <p className="none">No visits yet.</p>
            ) : (
              <ul className="encounter-list">
                {chart.encounters.map((e) => (
                  <li key={e.id}>
                    <button
                      type="button"
                      className="encounter-row"
                      data-testid="encounter-row"
                      disabled={opening !== null}
                      onClick={() => openRow(e)}
                    >
                      <span className="encounter-date">{formatMomentDate(e.started_at) ?? e.started_at}</span>
                      <span className="encounter-mode">{modeLabel(e.mode)}</span>
                      <span className="encounter-complaints">
                        {e.chief_complaints.length ? e.chief_complaints.map(humanize).join(", ") : "No complaint"}
                      </span>
                      <span className={`status-badge status-${e.status}`}>
                        {e.id === openDraft ? "Your draft" : STATUS_LABELS[e.status]}
                      </span>
                      {e.author_name && <span className="encounter-author">{e.author_name}</span>}
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {Number(chart.encounter_count) > chart.encounters.length && (
              <p className="muted visits-more">
                Showing the latest {chart.encounters.length} of {Number(chart.encounter_count)}.
              </p>
            )}
          </div>

          <div className="clinical visits-vitals">
            <h3 className="section-label">Latest vitals</h3>
            {chart.latest_vitals.length === 0 ? (
              <p className="none">None recorded</p>
            ) : (
              <ul className="item-list">
                {chart.latest_vitals.map((v) => (
                  <li key={v.loinc}>
                    <span className="item-main">{v.label}</span>
                    <span>
                      {v.value} {unitLabel(v.unit)}
                    </span>
                    <span className="item-detail">{formatMoment(v.effective_at)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

/** UCUM units of stored observations, as clinicians write them. */
function unitLabel(unit: string): string {
  switch (unit) {
    case "Cel":
      return "°C";
    case "[degF]":
      return "°F";
    case "mm[Hg]":
      return "mmHg";
    case "{score}":
      return "/10";
    default:
      return unit;
  }
}
