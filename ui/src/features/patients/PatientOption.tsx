import type { PatientListItem } from "../../bindings/PatientListItem";
import { formatDobWithAge, formatPhone } from "../../lib/format";
import { displayName } from "./names";

/** A patient in a pick list: name, then date of birth and age, MRN, state and phone. */
export function PatientOption({ patient }: { patient: PatientListItem }) {
  return (
    <>
      <span className="hand-off-name">{displayName(patient)}</span>
      <span className="hand-off-meta">
        {formatDobWithAge(patient.birth_date)} · MRN {patient.mrn} · {patient.current_state}
        {patient.phone && ` · ${formatPhone(patient.phone)}`}
      </span>
    </>
  );
}
