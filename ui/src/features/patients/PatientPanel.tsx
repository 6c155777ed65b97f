import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Patient } from "../../bindings/Patient";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { heldContacts, holdContact } from "../../lib/heldWork";
import { getPatient, type IpcError } from "../../lib/ipc";
import { BannerTrends } from "../charts/VitalTrends";
import { PatientVisits } from "../charting/PatientVisits";
import type { OpenedChart } from "../charting/open";
import { PatientBanner } from "./PatientBanner";
import type { ContactDraft } from "./contact";

/** One "open this patient" action; `seq` makes re-opening the same patient fetch again. */
export interface OpenRequest {
  id: string;
  seq: number;
}

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
  const id = request?.id ?? null;
  // The patient asked for, shared with every other reader of it; read again after each sync
  // round, so changes from other devices (and refused edits taken back) show without reopening.
  const query = useRead(queryKeys.patient(id ?? ""), () => getPatient(id ?? ""), { enabled: id !== null, onError });
  const client = useQueryClient();
  // Unsaved contact edits by patient id: opening another patient never throws typing away, and
  // neither does the lock (they are held outside React too, and come back after unlocking).
  const [drafts, setDrafts] = useState<Readonly<Record<string, ContactDraft>>>(heldContacts);

  const showPatient = useCallback(
    (patient: Patient) => client.setQueryData(queryKeys.patient(patient.id), patient),
    [client],
  );

  useEffect(() => {
    if (updated) showPatient(updated);
  }, [updated, showPatient]);

  // Opening the open patient again reads it again.
  const { refetch } = query;
  const opened = useRef(request);
  useEffect(() => {
    const before = opened.current;
    opened.current = request;
    if (request && before && before !== request && before.id === request.id) void refetch();
  }, [request, refetch]);

  const setDraft = useCallback((id: string, draft: ContactDraft | null) => {
    holdContact(id, draft);
    setDrafts((all) => {
      const next = { ...all };
      if (draft) next[id] = draft;
      else delete next[id];
      return next;
    });
  }, []);

  if (!request) {
    return (
      <div className="panel-placeholder">
        <p>Select a patient. Type a name, MRN, date of birth or phone.</p>
      </div>
    );
  }

  // The answer is for this patient (the key is its id): never one asked for before. A failed
  // refresh keeps what is shown, unless the patient is gone from this device.
  const patient = query.data;
  if (query.error && (!patient || query.error.code === "not_found")) {
    return (
      <div className="panel-placeholder">
        <p className="panel-error" role="alert">
          {patientErrorMessage(query.error)}
        </p>
      </div>
    );
  }
  if (patient) {
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
