import type { ThreadView } from "../../bindings/ThreadView";
import { formatDate, formatPhone } from "../../lib/format";
import { ClinicalLists } from "../patients/ClinicalLists";
import { fromNumberLabel } from "./labels";

interface Props {
  view: ThreadView;
  /** Triage: find the patient the number belongs to. */
  onLink: () => void;
}

/** Beside the messages: what to keep in mind replying (allergies first), or the unknown number. */
export function ThreadContext({ view, onLink }: Props) {
  const { patient, thread } = view;
  if (!patient) {
    return (
      <aside className="thread-context" aria-label="Sender" data-testid="thread-context">
        <section className="clinical">
          <h2>Unmatched number</h2>
          <p className="thread-number">{fromNumberLabel(thread.from_number)}</p>
          <p className="muted">
            This number matches no patient on file. Link the thread to the patient before replying with anything
            clinical.
          </p>
          <button type="button" className="button button-primary button-small" aria-keyshortcuts="l" onClick={onLink}>
            Link to patient <kbd className="button-kbd">l</kbd>
          </button>
        </section>
      </aside>
    );
  }
  const { guardian } = patient;
  return (
    <aside className="thread-context" aria-label="Patient" data-testid="thread-context">
      <ClinicalLists patient={patient} idPrefix="thread-" stacked />
      <section className="clinical" aria-labelledby="thread-details-heading">
        <h2 id="thread-details-heading">Details</h2>
        <ul className="item-list">
          <li>
            <span className="label">Located in</span> <span className="item-main">{patient.current_state}</span>
          </li>
          <li>
            <span className="label">DOB</span> {formatDate(patient.birth_date)}
          </li>
          <li>
            <span className="label">MRN</span> {patient.mrn}
          </li>
          {guardian && (
            <li data-testid="thread-guardian">
              <span className="label">Guardian</span> {guardian.name} ({guardian.relationship}) ·{" "}
              {formatPhone(guardian.phone)}
            </li>
          )}
        </ul>
      </section>
    </aside>
  );
}
