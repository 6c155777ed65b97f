import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ThreadAction } from "../../bindings/ThreadAction";
import { threadWriteKeys } from "../../lib/data/keys";
import { useWrite } from "../../lib/data/query";
import type { PatientListItem } from "../../bindings/PatientListItem";
import type { Thread } from "../../bindings/Thread";
import { formatPhone } from "../../lib/format";
import { searchPatients, threadAction, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { ChoiceList, pickKey } from "../common/ChoiceList";
import { DialogFooter } from "../common/DialogFooter";
import { Modal } from "../common/Modal";
import { displayName } from "../patients/names";
import { PatientOption } from "../patients/PatientOption";
import { ACTION_REFUSED } from "./labels";

const RESULTS = 20;

interface Props {
  threadId: string;
  /** The number the messages came from. */
  fromNumber: string;
  onClose: () => void;
  onLinked: (thread: Thread, patient: PatientListItem) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** Triage: find the patient an unknown number belongs to and link the thread to them. */
export function LinkPatientDialog({ threadId, fromNumber, onClose, onLinked, onError }: Props) {
  const linkThread = useWrite((a: ThreadAction) => threadAction(threadId, a), () => threadWriteKeys(threadId));
  // The number itself is the likeliest way to find them.
  const [query, setQuery] = useState(fromNumber);
  const [results, setResults] = useState<PatientListItem[] | null>(null);
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const latest = useRef(0);

  const onErrorRef = useLatest(onError);
  useEffect(() => {
    const request = ++latest.current;
    searchPatients(query.trim(), RESULTS).then(
      (items) => {
        if (request !== latest.current) return;
        setResults(items);
        setActive(0);
      },
      (caught: unknown) => {
        if (request !== latest.current) return;
        const failure = toIpcError(caught);
        setError(`The search failed: ${failure.message}`);
        onErrorRef.current?.(failure);
      },
    );
  }, [query, onErrorRef]);

  const items = results ?? [];

  async function link(index: number) {
    const patient = items[index];
    if (!patient || busy) return;
    setBusy(true);
    setError(null);
    try {
      const thread = await linkThread.mutateAsync({ action: "link_patient", patient_id: patient.id });
      onLinked(thread, patient);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`${ACTION_REFUSED.link_patient}: ${failure.message}`);
      onError?.(failure);
      setBusy(false);
    }
  }

  // The search box keeps the keyboard: arrows move in the results, Enter links.
  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    const next = pickKey(event.key, active, items.length, false);
    if (next === null) return;
    event.preventDefault();
    if (next === "choose") void link(active);
    else setActive(next);
  }

  const chosen = items[active];
  return (
    <Modal
      titleId="link-title"
      title="Link to patient"
      className="thread-dialog"
      testId="link-patient-dialog"
      onClose={onClose}
      initialFocus={() => inputRef.current}
    >
      <p className="muted">Messages from {formatPhone(fromNumber)}. Find the patient (or their guardian's record).</p>
      <div className="field">
        <label htmlFor="link-search">Search patients</label>
        <input
          id="link-search"
          ref={inputRef}
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="Name, MRN, date of birth or phone"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={handleKeyDown}
        />
      </div>
      {results !== null && items.length === 0 && <p className="muted">No patient matches. Try a name or MRN.</p>}
      {items.length > 0 && (
        <>
          <p id="link-list-label" className="visually-hidden">
            Patients
          </p>
          <ChoiceList
            items={items}
            active={active}
            onActive={setActive}
            onChoose={(index) => void link(index)}
            itemKey={(p) => p.id}
            labelledBy="link-list-label"
            idPrefix="link-option"
            digits={false}
            renderItem={(p) => <PatientOption patient={p} />}
          />
        </>
      )}
      <DialogFooter
        error={error}
        label={busy ? "Linking…" : chosen ? `Link to ${displayName(chosen)}` : "Link"}
        disabled={!chosen || busy}
        onConfirm={() => void link(active)}
        onCancel={onClose}
      />
      <p className="key-hints dialog-hints" aria-hidden="true">
        <kbd>↑</kbd>
        <kbd>↓</kbd> choose · <kbd>Enter</kbd> link · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}
