import { useCallback, useEffect, useState } from "react";
import type { Patient } from "../../bindings/Patient";
import { heldContacts, holdContact } from "../../lib/heldWork";
import { getPatient, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { BannerTrends } from "../charts/VitalTrends";
import { PatientVisits } from "../charting/PatientVisits";
import type { OpenedChart } from "../charting/open";
import { useSync } from "../sync/SyncContext";
import { PatientBanner } from "./PatientBanner";
import type { ContactDraft } from "./contact";

/** One "open this patient" action; `seq` makes re-opening the same patient fetch again. */
export interface OpenRequest {
  id: string;
  seq: number;
}

type State =
  | { kind: "idle" }
  | { kind: "loading"; request: OpenRequest }
  | { kind: "loaded"; request: OpenRequest; patient: Patient }
  | { kind: "failed"; request: OpenRequest; error: IpcError };

export function patientErrorMessage(error: IpcError): string {
  switch (error.code) {
    case "not_found":
      return "This patient is no longer on this device.";
    default:
      return error.message;
  }
}

interface Props {
  request: OpenRequest | null;
  onError?: (error: IpcError) => void;
  /** A patient changed elsewhere (say, a refused change resolved): shown if it is the open one. */
  updated?: Patient | null;
  /** False while charting covers the panel: its shortcuts rest, and visits are read again on return. */
  active?: boolean;
  /** A visit was started or opened: the charting screen takes over. */
  onOpenChart?: (opened: OpenedChart) => void;
}

export function PatientPanel({ request, onError, updated = null, active = true, onOpenChart }: Props) {
  const [state, setState] = useState<State>({ kind: "idle" });
  // Unsaved contact edits by patient id: opening another patient never throws typing away, and
  // neither does the lock (they are held outside React too, and come back after unlocking).
  const [drafts, setDrafts] = useState<Readonly<Record<string, ContactDraft>>>(heldContacts);
  const onErrorRef = useLatest(onError);

  const showPatient = useCallback((patient: Patient) => {
    setState((s) => (s.kind === "loaded" && s.patient.id === patient.id ? { ...s, patient } : s));
  }, []);

  useEffect(() => {
    if (updated) showPatient(updated);
  }, [updated, showPatient]);

  // After each sync round the open chart is read again, so changes from other devices (and
  // refused edits taken back) show without reopening it. Unsaved typing lives in `drafts`.
  const { status } = useSync();
  const syncedAt = status?.last_synced_at ?? null;
  const openId = state.kind === "loaded" ? state.patient.id : null;
  useEffect(() => {
    if (!openId || !syncedAt) return;
    let current = true;
    getPatient(openId).then(
      (patient) => {
        if (current) showPatient(patient);
      },
      () => {
        // A failed refresh keeps what is shown; opening the patient again reports errors.
      },
    );
    return () => {
      current = false;
    };
  }, [openId, syncedAt, showPatient]);

  const setDraft = useCallback((id: string, draft: ContactDraft | null) => {
    holdContact(id, draft);
    setDrafts((all) => {
      const next = { ...all };
      if (draft) next[id] = draft;
      else delete next[id];
      return next;
    });
  }, []);

  useEffect(() => {
    if (!request) {
      setState({ kind: "idle" });
      return;
    }
    let current = true;
    setState({ kind: "loading", request });
    getPatient(request.id).then(
      (patient) => {
        if (current) setState({ kind: "loaded", request, patient });
      },
      (caught: unknown) => {
        if (!current) return;
        const error = toIpcError(caught);
        setState({ kind: "failed", request, error });
        onErrorRef.current?.(error);
      },
    );
    return () => {
      current = false;
    };
  }, [request, onErrorRef]);

  if (!request) {
    return (
      <div className="panel-placeholder">
        <p>Select a patient. Type a name, MRN, date of birth or phone.</p>
      </div>
    );
  }

  // Never show one patient's chart while another was asked for.
  if (state.kind === "failed" && state.request === request) {
    return (
      <div className="panel-placeholder">
        <p className="panel-error" role="alert">
          {patientErrorMessage(state.error)}
        </p>
      </div>
    );
  }
  if (state.kind === "loaded" && state.request === request) {
    const { patient } = state;
    return (
      <div className="patient-chart">
        <PatientBanner
          key={patient.id}
          patient={patient}
          shortcuts={active}
          draft={drafts[patient.id] ?? null}
          onDraftChange={(draft) => setDraft(patient.id, draft)}
          onSaved={(saved) => {
            showPatient(saved);
            setDraft(saved.id, null);
          }}
          onError={onError}
          trends={<BannerTrends patientId={patient.id} />}
        />
        {onOpenChart && (
          <PatientVisits
            key={`visits-${patient.id}`}
            patient={patient}
            active={active}
            onOpenChart={onOpenChart}
            onError={onError}
          />
        )}
      </div>
    );
  }
  return (
    <div className="panel-placeholder" aria-busy="true">
      <p className="muted">Opening patient…</p>
    </div>
  );
}
